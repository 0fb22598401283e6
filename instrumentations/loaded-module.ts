import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * The exports of a CommonJS module when the application already loaded it
 * (resolved from the working directory), else undefined. Never loads it.
 */
export function loadedModule(specifier: string): unknown {
  try {
    const req = createRequire(join(process.cwd(), "noop.js"));
    const cached = req.cache[req.resolve(specifier)];
    return cached?.loaded ? cached.exports : undefined;
  } catch {
    return undefined;
  }
}
