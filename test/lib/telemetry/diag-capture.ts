/** Collects what library code logs through `diag`, for tests. */
import { diag, DiagLogLevel, type DiagLogger } from "@opentelemetry/api";

export interface DiagCapture {
  /** Messages logged at warn or error level. */
  warnings: string[];
  /** Messages logged at debug level. */
  debug: string[];
  restore(): void;
}

export function captureDiag(): DiagCapture {
  const warnings: string[] = [];
  const debug: string[] = [];
  const logger: DiagLogger = {
    error: (m) => void warnings.push(m),
    warn: (m) => void warnings.push(m),
    info: () => undefined,
    debug: (m) => void debug.push(m),
    verbose: () => undefined,
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.DEBUG, suppressOverrideMessage: true });
  return { warnings, debug, restore: () => diag.disable() };
}
