/**
 * A local HTTP server answering `POST /v1/chat/completions` in the OpenAI
 * API's shape, for tests of the official `openai` client: plain answers,
 * tool calls (when the request offers tools and the last message is the
 * user's), streams (server-sent events, with a usage chunk when asked), and
 * an API error (429) when the last message says FAIL.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const ANSWER = "It is sunny in Paris.";
export const USAGE = { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 };

interface ChatRequest {
  model: string;
  messages: { role: string; content?: unknown }[];
  tools?: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

async function body(req: IncomingMessage): Promise<ChatRequest> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
}

function completion(req: ChatRequest, n: number): Record<string, unknown> {
  const last = req.messages[req.messages.length - 1]!;
  const wantsTool = req.tools !== undefined && last.role === "user";
  const message = wantsTool
    ? { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }
    : { role: "assistant", content: ANSWER };
  return {
    id: `chatcmpl-${n}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model: `${req.model}-2024-07-18`,
    choices: [{ index: 0, message, finish_reason: wantsTool ? "tool_calls" : "stop", logprobs: null }],
    usage: USAGE,
  };
}

export interface OpenAiApiServer {
  url: string;
  /** Requests received so far. */
  requests: ChatRequest[];
  close(): Promise<void>;
}

export async function startOpenAiApiServer(): Promise<OpenAiApiServer> {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    void body(req).then((r) => {
      requests.push(r);
      const n = requests.length;
      const last = r.messages[r.messages.length - 1]!;
      if (typeof last.content === "string" && last.content.includes("FAIL")) {
        res.writeHead(429, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } }));
        return;
      }
      if (!r.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(completion(r, n)));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const base = { id: `chatcmpl-${n}`, object: "chat.completion.chunk", created: 1_700_000_000, model: `${r.model}-2024-07-18` };
      const send = (o: unknown): boolean => res.write(`data: ${JSON.stringify(o)}\n\n`);
      send({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
      for (const word of ANSWER.split(/(?<= )/)) send({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
      send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
      if (r.stream_options?.include_usage) send({ ...base, choices: [], usage: USAGE });
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
