/**
 * The worker module instrumented piscina pools run: it loads the user's
 * worker module and export (as piscina would) and runs it as a worker task
 * (context restored, records relayed). Its default export is the handler
 * piscina calls.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { isTaskEnvelope, type TaskReply } from "../workers/task-envelope.js";
import { runTaskEnvelope } from "../workers/worker-runtime.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (task: any) => unknown;

const handlers = new Map<string, Handler>();
const kTransferable = Symbol.for("Piscina.transferable");
const kValue = Symbol.for("Piscina.valueOf");

/** The handler piscina itself would pick: the module if it is a function, else its export `name`. */
async function loadHandler(filename: string, name: string): Promise<Handler> {
  const key = `${filename}/${name}`;
  const cached = handlers.get(key);
  if (cached) return cached;
  let mod: unknown;
  try {
    mod = createRequire(filename)(filename);
  } catch {
    mod = undefined;
  }
  let handler = typeof mod === "function" ? mod : await (mod as Record<string, unknown> | undefined)?.[name];
  if (typeof handler !== "function") {
    const ns = (await import(pathToFileURL(filename).href)) as Record<string, unknown>;
    handler = typeof ns === "function" ? ns : await ns[name];
  }
  if (typeof handler !== "function") throw new Error(`No handler function exported from ${filename}`);
  handlers.set(key, handler as Handler);
  return handler as Handler;
}

function isTransferableShaped(v: unknown): v is Record<symbol, unknown> {
  return v !== null && typeof v === "object" && kTransferable in v && kValue in v;
}

/** A reply whose result was `Piscina.move(...)`d stays movable: the transfer list is kept. */
function movableReply(reply: TaskReply, filename: string): unknown {
  const moved = reply.result as Record<symbol, unknown>;
  let move: ((v: unknown) => unknown) | undefined;
  try {
    move = (createRequire(filename)("piscina") as { move?: (v: unknown) => unknown }).move;
  } catch {
    move = undefined;
  }
  if (typeof move !== "function") return reply;
  const wrapped = {
    get [kTransferable]() {
      return moved[kTransferable];
    },
    get [kValue]() {
      return { ...reply, result: moved[kValue] };
    },
  };
  return move(wrapped);
}

/** The piscina handler of instrumented pools. */
export default async function flowceptPiscinaWorker(envelope: unknown): Promise<unknown> {
  if (!isTaskEnvelope(envelope) || typeof envelope.filename !== "string") throw new TypeError("flowcept-otel: piscina worker called without a task envelope");
  const filename = envelope.filename;
  const name = envelope.name ?? "default";
  const reply = await runTaskEnvelope(envelope, async (task) => (await loadHandler(filename, name))(task));
  return reply.ok && isTransferableShaped(reply.result) ? movableReply(reply, filename) : reply;
}
