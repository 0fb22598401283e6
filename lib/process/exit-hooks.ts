/**
 * Flushing at process end: `beforeExit` (asynchronous work still possible),
 * `exit` (synchronous only, also after an uncaught exception or
 * `process.exit()`), and SIGINT/SIGTERM (flushed synchronously, then the
 * signal's default action runs again unless the application listens to it).
 */
import { diag } from "@opentelemetry/api";
import { errorMessage } from "../util/error-message.js";

/** A participant in process-end flushing. */
export interface ExitParticipant {
  /** Called on `beforeExit`; may do asynchronous work. */
  beforeExit?(): Promise<void> | void;
  /** Called on `exit` and on a terminating signal; must be synchronous. */
  exitSync(reason: ExitReason): void;
}

/** Why the process is ending. */
export interface ExitReason {
  kind: "exit" | "signal";
  /** Exit code or signal name. */
  detail: number | NodeJS.Signals;
}

/** Order matters: controllers end their workflows before processors flush. */
const early: ExitParticipant[] = [];
const late: ExitParticipant[] = [];
let registered = false;
let exiting = false;

/** Adds a participant. `early` ones (controllers) run before the others (processors). */
export function onProcessEnd(p: ExitParticipant, early_ = false): () => void {
  registerExitHooks();
  (early_ ? early : late).push(p);
  return () => {
    for (const list of [early, late]) {
      const i = list.indexOf(p);
      if (i !== -1) list.splice(i, 1);
    }
  };
}

function runSync(reason: ExitReason): void {
  for (const p of [...early, ...late]) {
    try {
      p.exitSync(reason);
    } catch (err) {
      diag.error(`flowcept: flush at exit failed: ${errorMessage(err)}`);
    }
  }
}

async function onBeforeExit(): Promise<void> {
  if (exiting) return;
  for (const list of [early, late]) {
    for (const p of [...list]) {
      try {
        await p.beforeExit?.();
      } catch (err) {
        diag.error(`flowcept: flush before exit failed: ${errorMessage(err)}`);
      }
    }
  }
}

function onExit(code: number): void {
  exiting = true;
  runSync({ kind: "exit", detail: code });
}

function onSignal(signal: NodeJS.Signals): void {
  exiting = true;
  runSync({ kind: "signal", detail: signal });
  process.removeListener(signal, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Installs the process listeners once. */
export function registerExitHooks(): void {
  if (registered) return;
  registered = true;
  process.on("beforeExit", () => void onBeforeExit());
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
