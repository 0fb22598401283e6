/**
 * Makes Flowcept's warnings visible: when the application has installed no
 * OTel `diag` logger, installs a {@link FlowceptDiagLogger} (stderr from
 * `OTEL_LOG_LEVEL`, else `log.log_stream_level`, default WARN; the log file
 * from `log.log_file_level`). An application's own logger always wins: it is
 * never replaced, and one installed later replaces this one.
 */
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { resolve } from "node:path";
import { FlowceptDiagLogger } from "../process/FlowceptDiagLogger.js";
import { getSettings } from "./settings-loader.js";
import { defaultSettings, type FlowceptSettings } from "./settings.js";
import { errorMessage } from "../util/error-message.js";

const LEVELS: Record<string, DiagLogLevel> = {
  disable: DiagLogLevel.NONE,
  none: DiagLogLevel.NONE,
  critical: DiagLogLevel.ERROR,
  error: DiagLogLevel.ERROR,
  warning: DiagLogLevel.WARN,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** A level name (Flowcept's or OTel's, any case) as a `DiagLogLevel`; undefined when unknown. */
export function logLevelFromName(name: string | undefined): DiagLogLevel | undefined {
  return name === undefined ? undefined : LEVELS[name.trim().toLowerCase()];
}

let installed: FlowceptDiagLogger | undefined;

/** Whether some `diag` logger is registered with the global OTel API (the application's, or ours). */
export function diagLoggerIsSet(): boolean {
  // The API keeps its registrations on this well-known global, shared by all copies of @opentelemetry/api 1.x.
  const g = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[Symbol.for("opentelemetry.js.api.1")];
  return g?.diag !== undefined;
}

/** Installs the default logger when no `diag` logger is registered (see the file header). Idempotent. */
export function installDefaultDiagLogger(): void {
  if (diagLoggerIsSet()) return;
  installed?.close();
  installed = undefined;
  let settings: FlowceptSettings;
  let settingsError: string | undefined;
  try {
    settings = getSettings();
  } catch (err) {
    settings = defaultSettings();
    settingsError = errorMessage(err);
  }
  const env = process.env.OTEL_LOG_LEVEL;
  const envLevel = env === undefined || env.trim() === "" ? undefined : logLevelFromName(env);
  const streamLevel = envLevel ?? logLevelFromName(settings.log.log_stream_level) ?? DiagLogLevel.WARN;
  const fileLevel = logLevelFromName(settings.log.log_file_level) ?? DiagLogLevel.NONE;
  const filePath = fileLevel === DiagLogLevel.NONE ? undefined : resolve(settings.log.log_path === "default" ? "flowcept.log" : settings.log.log_path);
  const logger = new FlowceptDiagLogger({ streamLevel, fileLevel, filePath });
  if (logger.level === DiagLogLevel.NONE) {
    logger.close();
    return;
  }
  installed = logger;
  diag.setLogger(logger, { logLevel: logger.level, suppressOverrideMessage: true });
  if (env !== undefined && env.trim() !== "" && envLevel === undefined) diag.warn(`flowcept: OTEL_LOG_LEVEL="${env}" is not a log level (none, error, warn, info, debug, verbose, all); using ${settings.log.log_stream_level}`);
  if (settingsError !== undefined) diag.error(`flowcept: ${settingsError}`);
}
