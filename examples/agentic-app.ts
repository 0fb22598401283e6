/**
 * An LLM agent app whose library traces with OpenTelemetry (here the Vercel
 * AI SDK's telemetry; the OTel GenAI conventions and OpenInference work the
 * same way): each model call, tool call and agent run becomes a Flowcept
 * agent task, with the agent, the model, the prompt, the response and the
 * tokens. Runs offline: the model is the AI SDK's own mock. Needs
 * `npm install ai zod`.
 *
 *   node dist/examples/agentic-app.js
 */
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { Flowcept, type TaskRecord } from "flowcept-otel";

const tokens = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
// A model that asks for the tool, then answers: stands in for openai("gpt-4o") and the like.
const model = new MockLanguageModelV3({
  modelId: "gpt-4o",
  provider: "openai",
  doGenerate: [
    { content: [{ type: "tool-call", toolCallId: "call-1", toolName: "add", input: '{"a":2,"b":3}' }], finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: tokens(10, 5), warnings: [] },
    { content: [{ type: "text", text: "2 + 3 = 5" }], finishReason: { unified: "stop", raw: "stop" }, usage: tokens(20, 7), warnings: [] },
  ],
});

// #region agentic
const add = tool({ description: "adds two numbers", inputSchema: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => a + b });

await Flowcept.run({ workflowName: "calculator_app" }, async () => {
  const { text } = await generateText({
    model,
    prompt: "What is 2 + 3?",
    tools: { add },
    stopWhen: stepCountIs(5),
    experimental_telemetry: { isEnabled: true, functionId: "calculator" }, // functionId names the agent
  });
  console.log(text);
});
// #endregion agentic

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task" && r.agent_id === "calculator");
for (const t of tasks) {
  const usage = (t.custom_metadata?.llm_usage ?? {}) as { input_tokens?: number; output_tokens?: number };
  const tokensText = usage.input_tokens === undefined ? "" : ` tokens=${usage.input_tokens}/${usage.output_tokens}`;
  console.log(`${t.subtype} ${t.activity_id}${tokensText}`);
}
