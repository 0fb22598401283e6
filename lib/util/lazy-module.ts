/**
 * Synchronous on-demand loading of this package's heavier modules (the
 * MongoDB driver, mingo, the OTLP exporter, the adapters' decoders), so that
 * `import "flowcept-otel"` does not pay for what a program never uses.
 * Node ≥ 20.19 loads ES modules through `require` (no top-level await in them).
 */
import { createRequire } from "node:module";

/**
 * A module loaded on first call. `specifier` is resolved from `base` (pass
 * the caller's `import.meta.url` for relative paths).
 */
export function lazyModule<T>(specifier: string, base: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= createRequire(base)(specifier) as T);
}
