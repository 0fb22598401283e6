import { expect } from "chai";
import { createRequire } from "node:module";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { OpenAIInstrumentation as OtelOpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import { OpenAIInstrumentation as OpenInferenceOpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { Flowcept } from "../../../../lib/capture/Flowcept.js";
import { HIDDEN_BY_LIBRARY, NOT_CAPTURED } from "../../../../lib/records/agent-vocabulary.js";
import type { FlowceptRecord, TaskRecord } from "../../../../lib/records/records.js";
import { expectSameRecords, usageOf, useAgenticProvider } from "../../../support/agentic-provider.js";
import { ANSWER, startOpenAiApiServer, type OpenAiApiServer } from "../../../support/openai-api-server.js";
import { useTempStore } from "../../../support/temp-store.js";

const require = createRequire(import.meta.url);
type OpenAIModule = typeof import("openai");
type Client = InstanceType<OpenAIModule["OpenAI"]>;

const WEATHER_TOOL = { type: "function" as const, function: { name: "get_weather", description: "weather of a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };

/** What an app does: a plain chat, a tool-calling turn and its follow-up, a stream, a call the API refuses. */
async function conversation(client: Client): Promise<string[]> {
  const out: string[] = [];
  const plain = await client.chat.completions.create({ model: "gpt-4o-mini", temperature: 0.2, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Paris?" }] });
  out.push(plain.choices[0]!.message.content ?? "");
  const question = { role: "user" as const, content: "Weather in Paris, with the tool?" };
  const asked = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [question], tools: [WEATHER_TOOL] });
  const call = asked.choices[0]!.message.tool_calls![0]!;
  out.push(call.type === "function" ? call.function.name : "?");
  const answered = await client.chat.completions.create({
    model: "gpt-4o-mini",
    tools: [WEATHER_TOOL],
    messages: [question, asked.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: '{"sky":"sunny"}' }],
  });
  out.push(answered.choices[0]!.message.content ?? "");
  const stream = await client.chat.completions.create({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Stream it." }] });
  let streamed = "";
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
  out.push(streamed);
  await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "FAIL please" }] }).catch((err: Error) => out.push(`error: ${err.message}`));
  return out;
}

function modelCalls(records: FlowceptRecord[]): TaskRecord[] {
  return records.filter((r): r is TaskRecord => r.type === "task" && r.subtype === "ai_model_invocation").sort((a, b) => (a.started_at ?? 0) - (b.started_at ?? 0));
}

describe("the official openai client, instrumented, against a local server in the OpenAI API's shape", function () {
  this.timeout(20_000);
  useTempStore();
  const provider = useAgenticProvider();
  let api: OpenAiApiServer;
  let openai: OpenAIModule;
  beforeEach(async () => {
    api = await startOpenAiApiServer();
    openai = require("openai") as OpenAIModule;
  });
  afterEach(() => api.close());

  const client = (): Client => new openai.OpenAI({ apiKey: "sk-test-not-a-real-key-0000000000", baseURL: api.url, maxRetries: 0 });

  async function run(): Promise<{ answers: string[]; workflowId: string }> {
    let answers: string[] = [];
    let workflowId = "";
    await Flowcept.run({ workflowName: "openai-app", agentId: "weather-agent" }, async (fc) => {
      workflowId = fc.workflowId;
      answers = await conversation(client());
    });
    return { answers, workflowId };
  }

  describe("@opentelemetry/instrumentation-openai (GenAI conventions; content goes to log events, never to spans)", () => {
    let instr: OtelOpenAIInstrumentation;
    let patchedByHand = false;
    let unregister: () => void;
    beforeEach(() => {
      instr = new OtelOpenAIInstrumentation({ captureMessageContent: true });
      unregister = registerInstrumentations({ instrumentations: [instr], tracerProvider: provider.app.provider });
      openai = require("openai") as OpenAIModule;
      // An `openai` loaded before the instrumentation (by an earlier test): patched as its require hook would.
      patchedByHand = !(openai.OpenAI.Chat.Completions.prototype.create as { __wrapped?: boolean }).__wrapped;
      if (patchedByHand) for (const def of instr.getModuleDefinitions()) def.patch?.(openai);
    });
    afterEach(() => {
      if (patchedByHand) for (const def of instr.getModuleDefinitions()) def.unpatch?.(openai);
      unregister();
    });

    it("chat, tool calls, a stream and an error become model-call tasks with model, provider, tokens and finish reasons", async () => {
      const { answers, workflowId } = await run();
      expect(answers).to.deep.equal([ANSWER, "get_weather", ANSWER, ANSWER, "error: 429 Rate limit reached for requests"]);
      const { inProcess } = await provider.app.records();
      const calls = modelCalls(inProcess);
      expect(calls).to.have.length(5);
      expect(calls.every((c) => c.workflow_id === workflowId && c.agent_id === "weather-agent")).to.equal(true);
      const [plain, asked, , streamed, failed] = calls;
      expect(plain!.activity_id).to.equal("chat gpt-4o-mini");
      expect(plain!.used).to.deep.equal({ prompt: NOT_CAPTURED, model: "gpt-4o-mini", provider: "openai", parameters: { temperature: 0.2 } });
      expect(plain!.generated).to.deep.equal({ response: NOT_CAPTURED });
      expect(usageOf(plain!)).to.deep.include({ input_tokens: 12, output_tokens: 6, total_tokens: 18, token_count_source: "provider", finish_reason: "stop", model: "gpt-4o-mini-2024-07-18", provider: "openai", provider_request_id: "chatcmpl-1" });
      expect(usageOf(asked!).finish_reason).to.equal("tool_calls");
      expect(usageOf(streamed!)).to.deep.include({ input_tokens: 12, output_tokens: 6, token_count_source: "provider", finish_reason: "stop" });
      expect(failed!.status).to.equal("ERROR");
      expect(failed!.stderr).to.match(/Rate limit reached/);
      expect(failed).to.not.have.property("generated");
      // The workflow's agent, with the model it called.
      expect(inProcess.filter((r) => r.type === "agent").map((a) => [a.agent_id, a.model])).to.deep.equal([["weather-agent", "gpt-4o-mini"]]);
    });
  });

  describe("OpenInference's OpenAI instrumentation (content on spans unless hidden)", () => {
    let instr: OpenInferenceOpenAIInstrumentation;
    const instrument = (traceConfig?: { hideInputs?: boolean; hideOutputs?: boolean }): void => {
      instr = new OpenInferenceOpenAIInstrumentation({ instrumentationConfig: { enabled: false }, tracerProvider: provider.app.provider, ...(traceConfig ? { traceConfig } : {}) });
      instr.manuallyInstrument(openai as never);
    };
    afterEach(() => instr.disable());

    it("prompts, responses and tool calls are recorded; a stream without usage gets estimated tokens", async () => {
      instrument();
      const { answers } = await run();
      expect(answers[0]).to.equal(ANSWER);
      expect(answers[4]).to.match(/^error: 429/);
      const calls = modelCalls((await provider.app.records()).inProcess);
      // The call the API refused has no record: this instrumentation never ends the span of a rejected call.
      expect(calls).to.have.length(4);
      const [plain, asked, answered, streamed] = calls;
      expect(plain!.used).to.deep.include({ model: "gpt-4o-mini", provider: "openai" });
      expect(plain!.used!.prompt).to.deep.equal([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Paris?" },
      ]);
      expect(plain!.generated).to.deep.equal({ response: [{ role: "assistant", content: ANSWER }] });
      expect(usageOf(plain!)).to.deep.include({ input_tokens: 12, output_tokens: 6, total_tokens: 18, token_count_source: "provider", finish_reason: "stop", model: "gpt-4o-mini-2024-07-18" });
      expect(asked!.used!.tools).to.deep.equal(["get_weather"]);
      expect(asked!.generated).to.deep.equal({ response: [{ role: "assistant", tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }] });
      expect((answered!.used!.prompt as unknown[])[2]).to.deep.equal({ role: "tool", content: '{"sky":"sunny"}', tool_call_id: "call_1" });
      expect(streamed!.generated).to.deep.equal({ response: [{ content: ANSWER, role: "assistant" }] });
      // One token per four characters of text, as Flowcept estimates (roles included, as in its "Role: content" lines).
      expect(usageOf(streamed!)).to.deep.include({ token_count_source: "estimated_from_chars", input_tokens: Math.round("userStream it.".length / 4), output_tokens: Math.round(`${ANSWER}assistant`.length / 4) });
    });

    it("inputs and outputs hidden by the instrumentation are recorded as hidden, never as empty", async () => {
      instrument({ hideInputs: true, hideOutputs: true });
      await run();
      const [plain] = modelCalls((await provider.app.records()).inProcess);
      expect(plain!.used!.prompt).to.equal(HIDDEN_BY_LIBRARY);
      expect(plain!.generated).to.deep.equal({ response: HIDDEN_BY_LIBRARY });
      expect(usageOf(plain!).token_count_source).to.equal("provider");
    });

    it("the same spans through the OTLP ingest service give the same records", async () => {
      instrument();
      await run();
      const { inProcess, ingested } = await provider.app.records();
      expectSameRecords(inProcess, ingested, 4);
    });
  });
});
