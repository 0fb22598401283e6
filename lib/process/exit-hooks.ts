/**
 * Flushing at process end: `beforeExit` (asynchronous work still possible),
 * `exit` (synchronous only, also after an uncaught exception or
 * `process.exit()`), and SIGINT/SIGTERM: flushed synchronously, then the
 * signal's default action runs again — unless the application listens to
 * the signal too. Then its handlers run first, with the workflows still
 * open (the tasks they record belong to them): records so far are made
 * durable at once, and the workflows end, as interrupted by the signal,
 * when the process ends.
 */
import { diag } from "@opentelemetry/api";
import { errorMessage } from "../util/error-message.js";

/** A participant in process-end flushing. */
export interface ExitParticipant {
  /** Called on `beforeExit`; may do asynchronous work. */
  beforeExit?(): Promise<void> | void;
  /** Called on `exit` and on a terminating signal; must be synchronous. */
  exitSync(reason: ExitReason): void;
  /** Called on a signal the application handles itself: make records durable, end nothing. */
  flushSync?(): void;
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
let signalled: NodeJS.Signals | undefined;

/** The terminating signal received while the application handles it (the process is ending because of it). */
export function pendingSignal(): NodeJS.Signals | undefined {
  return signalled;
}

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
  runSync(signalled === undefined ? { kind: "exit", detail: code } : { kind: "signal", detail: signalled });
}

/** Marks this module's listeners, so that another copy of the package is not taken for the application. */
const OURS = Symbol.for("flowcept-otel.exit-hook");

function applicationHandles(signal: NodeJS.Signals): boolean {
  return process.listeners(signal).some((l) => !(OURS in l));
}

function onSignal(signal: NodeJS.Signals): void {
  if (applicationHandles(signal)) {
    signalled ??= signal;
    for (const p of [...early, ...late]) {
      try {
        p.flushSync?.();
      } catch (err) {
        diag.error(`flowcept: flush on ${signal} failed: ${errorMessage(err)}`);
      }
    }
    return;
  }
  exiting = true;
  runSync({ kind: "signal", detail: signal });
  process.removeListener(signal, onSignal);
  // Another copy of this package may still listen: it has flushed too (or will now); the signal's default action follows.
  for (const l of process.listeners(signal)) process.removeListener(signal, l as (s: NodeJS.Signals) => void);
  process.kill(process.pid, signal);
}
Object.defineProperty(onSignal, OURS, { value: true });

/** Installs the process listeners once. */
export function registerExitHooks(): void {
  if (registered) return;
  registered = true;
  process.on("beforeExit", () => void onBeforeExit());
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
