/**
 * The `diag` logger Flowcept installs when the application has none: lines
 * on stderr from a level (WARN by default) and, optionally, in a log file
 * from another level. A condition that repeats — the same message up to its
 * numbers and ids — is written once; its repeats are counted and written as
 * one line later (every minute while they go on, and at process exit), so a
 * failure that hits every record gives a few lines, not millions.
 */
import { DiagLogLevel, type DiagLogger } from "@opentelemetry/api";
import { appendFileSync } from "node:fs";
import { inspect } from "node:util";

/** Options of a {@link FlowceptDiagLogger}. */
export interface FlowceptDiagLoggerOptions {
  /** Lowest severity written to stderr (`DiagLogLevel.NONE` for none). */
  streamLevel: DiagLogLevel;
  /** Lowest severity written to `filePath` (`DiagLogLevel.NONE` for none). */
  fileLevel?: DiagLogLevel;
  filePath?: string;
  /** Where stream lines go. Default: `process.stderr`. */
  write?: (line: string) => void;
  /** How often repeats are summed up while they go on. Default 60 s. */
  summaryIntervalMillis?: number;
}

const LABELS: Partial<Record<DiagLogLevel, string>> = {
  [DiagLogLevel.ERROR]: "error",
  [DiagLogLevel.WARN]: "warn",
  [DiagLogLevel.INFO]: "info",
  [DiagLogLevel.DEBUG]: "debug",
  [DiagLogLevel.VERBOSE]: "verbose",
};

/** Repeats are folded for these severities; debug and verbose lines are all written. */
const FOLDED = DiagLogLevel.INFO;
const MAX_CONDITIONS = 1000;

interface Condition {
  level: DiagLogLevel;
  repeats: number;
  last: string;
}

/** The same condition with other numbers, ids or paths inside quotes. */
function conditionKey(level: DiagLogLevel, text: string): string {
  return `${level} ${text.replace(/"[^"]*"/g, '"…"').replace(/[0-9a-f]{8,}/gi, "#").replace(/\d+(\.\d+)?/g, "#")}`;
}

function format(message: string, args: unknown[]): string {
  if (args.length === 0) return message;
  return `${message} ${args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 4, breakLength: Infinity }))).join(" ")}`;
}

/** See the file header. */
export class FlowceptDiagLogger implements DiagLogger {
  private readonly streamLevel: DiagLogLevel;
  private fileLevel: DiagLogLevel;
  private readonly filePath: string | undefined;
  private readonly out: (line: string) => void;
  private readonly conditions = new Map<string, Condition>();
  private readonly interval: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly onExit = (): void => this.flushRepeats();

  constructor(options: FlowceptDiagLoggerOptions) {
    this.streamLevel = options.streamLevel;
    this.filePath = options.filePath;
    this.fileLevel = options.filePath ? (options.fileLevel ?? DiagLogLevel.NONE) : DiagLogLevel.NONE;
    this.out = options.write ?? ((line) => void process.stderr.write(line));
    this.interval = options.summaryIntervalMillis ?? 60_000;
    process.on("exit", this.onExit);
  }

  /** The most verbose level any sink wants (what `diag.setLogger` should let through). */
  get level(): DiagLogLevel {
    return Math.max(this.streamLevel, this.fileLevel);
  }

  error(message: string, ...args: unknown[]): void {
    this.log(DiagLogLevel.ERROR, message, args);
  }

  warn(message: string, ...args: unknown[]): void {
    // The API says so when the application installs its own logger over this one: expected, not a problem.
    if (message.startsWith("Current logger will be overwritten")) return;
    this.log(DiagLogLevel.WARN, message, args);
  }

  info(message: string, ...args: unknown[]): void {
    this.log(DiagLogLevel.INFO, message, args);
  }

  debug(message: string, ...args: unknown[]): void {
    this.log(DiagLogLevel.DEBUG, message, args);
  }

  verbose(message: string, ...args: unknown[]): void {
    this.log(DiagLogLevel.VERBOSE, message, args);
  }

  private log(level: DiagLogLevel, message: string, args: unknown[]): void {
    if (level > this.streamLevel && level > this.fileLevel) return;
    const text = format(String(message), args);
    if (level <= FOLDED) {
      const key = conditionKey(level, text);
      const seen = this.conditions.get(key);
      if (seen !== undefined) {
        seen.repeats++;
        seen.last = text;
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.flushRepeats();
        }, this.interval).unref();
        return;
      }
      if (this.conditions.size < MAX_CONDITIONS) this.conditions.set(key, { level, repeats: 0, last: text });
    }
    this.write(level, text);
  }

  /** Writes one line per condition that repeated since it was last written. */
  flushRepeats(): void {
    for (const c of this.conditions.values()) {
      if (c.repeats === 0) continue;
      const n = c.repeats;
      c.repeats = 0;
      this.write(c.level, `${c.last} (repeated ${n} more time${n === 1 ? "" : "s"})`);
    }
  }

  private write(level: DiagLogLevel, text: string): void {
    const label = LABELS[level] ?? "log";
    if (level <= this.streamLevel) {
      try {
        this.out(`[${label}] ${text}\n`);
      } catch {
        // stderr closed: nothing else to tell it to
      }
    }
    if (level <= this.fileLevel && this.filePath !== undefined) {
      try {
        appendFileSync(this.filePath, `${new Date().toISOString()} ${label.toUpperCase()} ${text}\n`);
      } catch (err) {
        this.fileLevel = DiagLogLevel.NONE;
        this.write(DiagLogLevel.WARN, `flowcept: cannot write the log file ${this.filePath} (${(err as Error).message}); logging to it is off`);
      }
    }
  }

  /** Stops the periodic summary and the exit hook (the logger is being replaced). */
  close(): void {
    this.flushRepeats();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    process.removeListener("exit", this.onExit);
  }
}
