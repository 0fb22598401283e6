import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { expect } from "chai";
import { Flowcept } from "../../../../lib/capture/Flowcept.js";
import { NOT_CAPTURED } from "../../../../lib/records/agent-vocabulary.js";
import type { FlowceptRecord, TaskRecord } from "../../../../lib/records/records.js";
import { agenticProvider, expectSameRecords, withoutTimes, type AgenticProvider } from "../../../support/agentic-provider.js";
import { useTempStore } from "../../../support/temp-store.js";

function byActivity(records: FlowceptRecord[]): Map<string, TaskRecord> {
  return new Map(records.filter((r): r is TaskRecord => r.type === "task").map((t) => [t.activity_id!, t]));
}

const under = (parent: Span) => trace.setSpan(context.active(), parent);

describe("spans of the OTel GenAI conventions (current and previous names)", function () {
  this.timeout(20_000);
  useTempStore();
  let app: AgenticProvider;
  beforeEach(async () => {
    app = await agenticProvider();
  });
  afterEach(() => app.close());

  /** An agent that plans with a model, runs a tool, and hands a sub-question to another agent: spans as an instrumentation following the conventions writes them. */
  function agentRun(): void {
    const t = app.tracer("genai-framework");
    const agent = t.startSpan("invoke_agent planner", {
      kind: SpanKind.INTERNAL,
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "openai",
        "gen_ai.agent.id": "asst_planner",
        "gen_ai.agent.name": "planner",
        "gen_ai.agent.version": "2.1.0",
        "gen_ai.agent.description": "plans trips",
        "gen_ai.conversation.id": "conv_1",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Plan Paris" }] }]),
      },
    });
    const chat = t.startSpan("chat gpt-4o", {
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.max_tokens": 200,
        "server.address": "api.openai.com",
        "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "You plan trips." }]),
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Plan Paris; my key is sk-live-0123456789abcdefghijklmn" }] }]),
        "gen_ai.tool.definitions": JSON.stringify([{ type: "function", name: "get_weather", parameters: { type: "object" } }]),
      },
    }, under(agent));
    chat.setAttributes({
      "gen_ai.response.model": "gpt-4o-2024-08-06",
      "gen_ai.response.id": "chatcmpl-9",
      "gen_ai.response.finish_reasons": ["tool_calls"],
      "gen_ai.usage.input_tokens": 31,
      "gen_ai.usage.output_tokens": 9,
      "gen_ai.usage.cache_read.input_tokens": 16,
      "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "tool_call", id: "call_7", name: "get_weather", arguments: { city: "Paris" } }], finish_reason: "tool_call" }]),
    });
    chat.end();
    const toolSpan = t.startSpan("execute_tool get_weather", {
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "call_7",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "weather of a city",
        "gen_ai.tool.call.arguments": JSON.stringify({ city: "Paris", token: "abc123" }),
        "gen_ai.tool.call.result": JSON.stringify({ sky: "sunny", temperature: 21 }),
      },
    }, under(agent));
    toolSpan.end();
    const sub = t.startSpan("invoke_agent critic", { attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "critic" } }, under(agent));
    const failing = t.startSpan("chat gpt-4o-mini", { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "error.type": "timeout" } }, under(sub));
    failing.setStatus({ code: SpanStatusCode.ERROR });
    failing.end();
    sub.end();
    agent.setAttribute("gen_ai.output.messages", JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Go in May." }] }]));
    agent.end();
  }

  it("model call, tool call and agent invocation become agent tasks; chat and tool spans inherit the enclosing agent; a sub-agent records who called it", async () => {
    let workflowId = "";
    await Flowcept.run({ workflowName: "trip" }, (fc) => {
      workflowId = fc.workflowId;
      agentRun();
    });
    const { inProcess } = await app.records();
    const tasks = byActivity(inProcess);
    const agent = tasks.get("invoke_agent planner")!;
    expect(agent).to.include({ subtype: "agent_invocation", agent_id: "asst_planner", workflow_id: workflowId, status: "FINISHED" });
    expect(agent.used).to.deep.equal({ prompt: [{ role: "user", parts: [{ type: "text", content: "Plan Paris" }] }], model: "gpt-4o", provider: "openai" });
    expect(agent.generated).to.deep.equal({ response: [{ role: "assistant", parts: [{ type: "text", content: "Go in May." }] }] });
    expect(agent.custom_metadata).to.deep.include({ agent_name: "planner", agent_version: "2.1.0", agent_description: "plans trips", conversation_id: "conv_1" });

    const chat = tasks.get("chat gpt-4o")!;
    expect(chat).to.include({ subtype: "ai_model_invocation", agent_id: "asst_planner", parent_task_id: agent.task_id });
    // Secrets inside recorded content are redacted as in every recorded value.
    expect(JSON.stringify(chat.used)).to.not.include("sk-live-0123456789");
    expect(JSON.stringify(chat.used)).to.include("Plan Paris; my key is [REDACTED]");
    expect(chat.used).to.deep.include({ model: "gpt-4o", provider: "openai", parameters: { temperature: 0.5, max_tokens: 200 }, tools: ["get_weather"], system_instructions: [{ type: "text", content: "You plan trips." }] });
    expect(chat.generated!.response).to.deep.equal([{ role: "assistant", parts: [{ type: "tool_call", id: "call_7", name: "get_weather", arguments: { city: "Paris" } }], finish_reason: "tool_call" }]);
    expect((chat.custom_metadata as Record<string, unknown>).llm_usage).to.deep.equal({
      input_tokens: 31,
      output_tokens: 9,
      total_tokens: 40,
      cache_read_input_tokens: 16,
      token_count_source: "provider",
      model: "gpt-4o-2024-08-06",
      provider: "openai",
      finish_reason: "tool_calls",
      finish_reasons: ["tool_calls"],
      provider_request_id: "chatcmpl-9",
    });
    expect(chat.custom_metadata).to.deep.include({ span_attributes: { "server.address": "api.openai.com" } });

    const tool = tasks.get("get_weather")!;
    expect(tool).to.include({ subtype: "agent_tool", agent_id: "asst_planner" });
    // Secrets in recorded content are redacted as in every recorded value.
    expect(tool.used).to.deep.equal({ city: "Paris", token: "[REDACTED]" });
    expect(tool.generated).to.deep.equal({ sky: "sunny", temperature: 21 });
    expect(tool.custom_metadata).to.deep.include({ tool_call_id: "call_7", tool_type: "function", tool_description: "weather of a city" });

    const critic = tasks.get("invoke_agent critic")!;
    expect(critic).to.include({ agent_id: "critic", source_agent_id: "asst_planner" });
    expect(critic.used!.prompt).to.equal(NOT_CAPTURED);
    const failed = tasks.get("chat gpt-4o-mini")!;
    expect(failed).to.include({ status: "ERROR", stderr: "timeout", agent_id: "critic" });
    expect(failed.used!.prompt).to.equal(NOT_CAPTURED);
    expect(failed).to.not.have.property("generated");

    const agents = inProcess.filter((r) => r.type === "agent").map(withoutTimes);
    const merged = new Map<string, Record<string, unknown>>();
    for (const a of agents) merged.set(a.agent_id as string, { ...merged.get(a.agent_id as string), ...a });
    expect(merged.get("asst_planner")).to.deep.include({ name: "planner", version: "2.1.0", description: "plans trips", model: "gpt-4o" });
    expect(merged.get("critic")).to.deep.include({ name: "critic", model: "gpt-4o-mini" });
  });

  it("previous attribute names still emitted by libraries: gen_ai.system, prompt/completion token counts, indexed prompts and completions", async () => {
    const t = app.tracer("openllmetry-style");
    const s = t.startSpan("openai.chat", {
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.system": "OpenAI",
        "llm.request.type": "chat",
        "gen_ai.request.model": "gpt-3.5-turbo",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "Say hi",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "Hi!",
        "gen_ai.completion.0.finish_reason": "stop",
        "gen_ai.usage.prompt_tokens": 3,
        "gen_ai.usage.completion_tokens": 2,
        "llm.usage.total_tokens": 5,
      },
    });
    s.end();
    const t1 = byActivity((await app.records()).inProcess).get("openai.chat")!;
    expect(t1.subtype).to.equal("ai_model_invocation");
    expect(t1.used).to.deep.include({ prompt: [{ role: "user", content: "Say hi" }], model: "gpt-3.5-turbo", provider: "OpenAI" });
    expect(t1.generated).to.deep.equal({ response: [{ role: "assistant", content: "Hi!", finish_reason: "stop" }] });
    expect((t1.custom_metadata as Record<string, unknown>).llm_usage).to.deep.include({ input_tokens: 3, output_tokens: 2, total_tokens: 5, token_count_source: "provider", finish_reason: "stop" });
    expect(t1.custom_metadata).to.deep.include({ span_attributes: { "llm.request.type": "chat" } });
  });

  it("hostile or huge attribute values: no prototype pollution, content capped like any recorded value", async () => {
    const t = app.tracer("hostile");
    const s = t.startSpan("chat x", {
      attributes: {
        "gen_ai.operation.name": "chat",
        "llm.input_messages.0.__proto__.polluted": "yes",
        "gen_ai.prompt.0.constructor": "c",
        "gen_ai.request.__proto__": "p",
        "custom.__proto__": "kept as data",
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", content: "x".repeat(200_000) }]),
        "gen_ai.usage.input_tokens": "NaN",
      },
    });
    s.end();
    const rec = byActivity((await app.records()).inProcess).get("chat x")!;
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.getPrototypeOf(rec.used)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor((rec.custom_metadata as Record<string, unknown>).span_attributes, "custom.__proto__")?.value).to.equal("kept as data");
    expect(JSON.stringify(rec.generated).length).to.be.lessThan(70_000);
    expect(JSON.stringify(rec.generated)).to.include("truncated");
    expect((rec.custom_metadata as Record<string, unknown>).llm_usage).to.deep.include({ token_count_source: "estimated_from_chars" });
  });

  it("the mask sees agent tasks as plain JSON on both paths, and can drop their content", async () => {
    await app.close();
    app = await agenticProvider((r) => (r.subtype === "ai_model_invocation" ? { ...r, used: { ...(r.used as object), prompt: "[masked by the app]" } } : r));
    await Flowcept.run({ workflowName: "masked" }, () => agentRun());
    const { inProcess, ingested } = await app.records();
    for (const records of [inProcess, ingested]) {
      const chat = byActivity(records).get("chat gpt-4o")!;
      expect(chat.used!.prompt).to.equal("[masked by the app]");
      expect(chat.used!.model).to.equal("gpt-4o");
    }
  });

  it("the same spans through the OTLP ingest service give the same records", async () => {
    await Flowcept.run({ workflowName: "trip" }, () => agentRun());
    const { inProcess, ingested } = await app.records();
    expectSameRecords(inProcess, ingested, 5);
  });
});
