import { expect } from "chai";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { Flowcept } from "../../../../lib/capture/Flowcept.js";
import { NOT_CAPTURED } from "../../../../lib/records/agent-vocabulary.js";
import type { FlowceptRecord, TaskRecord } from "../../../../lib/records/records.js";
import { expectSameRecords, usageOf, useAgenticProvider } from "../../../support/agentic-provider.js";
import { useTempStore } from "../../../support/temp-store.js";

type Usage = ConstructorParameters<typeof MockLanguageModelV3>[0];

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** A model that asks for the `add` tool, then answers with its result (the SDK's own mock). */
function calculatorModel(): MockLanguageModelV3 {
  const doGenerate: NonNullable<Usage>["doGenerate"] = [
    { content: [{ type: "tool-call", toolCallId: "call-1", toolName: "add", input: JSON.stringify({ a: 2, b: 3 }) }], finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: usage(10, 5), warnings: [] },
    { content: [{ type: "text", text: "The sum is 5." }], finishReason: { unified: "stop", raw: "stop" }, usage: usage(20, 7), warnings: [], response: { id: "resp-2", modelId: "mock-model-2024" } },
  ];
  return new MockLanguageModelV3({ provider: "mock-provider", modelId: "mock-model", doGenerate });
}

const add = tool({ description: "adds two numbers", inputSchema: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => ({ sum: a + b }) });

function tasks(records: FlowceptRecord[]): TaskRecord[] {
  return records.filter((r): r is TaskRecord => r.type === "task");
}

describe("Vercel AI SDK (ai) with its telemetry on: a tool-calling agent loop", function () {
  this.timeout(20_000);
  useTempStore();
  const provider = useAgenticProvider();

  async function runAgent(telemetry: { recordInputs?: boolean; recordOutputs?: boolean } = {}): Promise<{ workflowId: string; text: string }> {
    let workflowId = "";
    let text = "";
    await Flowcept.run({ workflowName: "ai-sdk-agent" }, async (fc) => {
      workflowId = fc.workflowId;
      const result = await generateText({
        model: calculatorModel(),
        prompt: "What is 2+3?",
        tools: { add },
        stopWhen: stepCountIs(5),
        experimental_telemetry: { isEnabled: true, functionId: "calculator", tracer: provider.app.tracer("ai"), ...telemetry },
      });
      text = result.text;
    });
    return { workflowId, text };
  }

  it("records each model call and tool call with tokens, under the invocation, in the workflow; one agent record", async () => {
    const { workflowId, text } = await runAgent();
    expect(text).to.equal("The sum is 5.");
    const { inProcess } = await provider.app.records();
    const all = tasks(inProcess);
    expect(all.map((t) => t.subtype).sort()).to.deep.equal(["agent_invocation", "agent_tool", "ai_model_invocation", "ai_model_invocation"]);
    expect(all.map((t) => [t.workflow_id, t.agent_id, t.status])).to.deep.equal(all.map(() => [workflowId, "calculator", "FINISHED"]));
    const invocation = all.find((t) => t.subtype === "agent_invocation")!;
    const [first, second] = all.filter((t) => t.subtype === "ai_model_invocation");
    const addTask = all.find((t) => t.subtype === "agent_tool")!;
    for (const t of [first!, second!, addTask]) expect(t.parent_task_id).to.equal(invocation.task_id);

    expect(first!.used).to.deep.include({ model: "mock-model", provider: "mock-provider", tools: ["add"] });
    expect(first!.used!.prompt).to.deep.equal([{ role: "user", content: [{ type: "text", text: "What is 2+3?" }] }]);
    expect(first!.generated).to.deep.equal({ tool_calls: [{ toolCallId: "call-1", toolName: "add", input: '{"a":2,"b":3}' }] });
    expect(usageOf(first!)).to.deep.include({ input_tokens: 10, output_tokens: 5, total_tokens: 15, token_count_source: "provider", finish_reason: "tool-calls", model: "mock-model" });

    expect(addTask.activity_id).to.equal("add");
    expect(addTask.used).to.deep.equal({ a: 2, b: 3 });
    expect(addTask.generated).to.deep.equal({ sum: 5 });
    expect(addTask.custom_metadata).to.deep.include({ tool_call_id: "call-1" });

    expect(second!.generated).to.deep.equal({ response: "The sum is 5." });
    expect(usageOf(second!)).to.deep.include({ input_tokens: 20, output_tokens: 7, finish_reason: "stop", model: "mock-model-2024", provider_request_id: "resp-2" });
    expect(invocation.used).to.deep.include({ prompt: { prompt: "What is 2+3?" }, model: "mock-model" });
    expect(invocation.generated).to.deep.equal({ response: "The sum is 5." });
    expect(usageOf(invocation)).to.deep.include({ input_tokens: 30, output_tokens: 12, total_tokens: 42 });

    const agents = inProcess.filter((r) => r.type === "agent");
    expect(agents.map((a) => ({ agent_id: a.agent_id, name: a.name, model: a.model, workflow_id: a.workflow_id }))).to.deep.equal([
      { agent_id: "calculator", name: "calculator", model: "mock-model", workflow_id: workflowId },
    ]);
  });

  it("with recordInputs and recordOutputs off the records say the content was not captured; tokens are still the provider's", async () => {
    await runAgent({ recordInputs: false, recordOutputs: false });
    const all = tasks((await provider.app.records()).inProcess);
    const models = all.filter((t) => t.subtype === "ai_model_invocation");
    expect(models).to.have.length(2);
    for (const m of models) {
      expect(m.used!.prompt).to.equal(NOT_CAPTURED);
      expect(m.generated).to.deep.equal({ response: NOT_CAPTURED });
      expect(usageOf(m).token_count_source).to.equal("provider");
    }
    const addTask = all.find((t) => t.subtype === "agent_tool")!;
    expect(addTask.used).to.deep.equal({ arguments: NOT_CAPTURED });
    expect(addTask.generated).to.deep.equal({ result: NOT_CAPTURED });
  });

  it("a model call that fails is an ERROR task with the provider's message", async () => {
    const model = new MockLanguageModelV3({
      modelId: "mock-model",
      doGenerate: async () => {
        throw new Error("rate limited by the provider");
      },
    });
    await Flowcept.run({ workflowName: "failing" }, async () => {
      await generateText({ model, prompt: "hi", maxRetries: 0, experimental_telemetry: { isEnabled: true, tracer: provider.app.tracer("ai") } }).catch(() => undefined);
    });
    const all = tasks((await provider.app.records()).inProcess);
    const failed = all.find((t) => t.subtype === "ai_model_invocation")!;
    expect(failed.status).to.equal("ERROR");
    expect(failed.stderr).to.match(/rate limited by the provider/);
    expect(failed).to.not.have.property("generated");
    expect(failed.used!.prompt).to.deep.equal([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  });

  it("the same spans through the OTLP ingest service give the same records", async () => {
    await runAgent();
    const { inProcess, ingested } = await provider.app.records();
    expectSameRecords(inProcess, ingested, 4);
  });
});
