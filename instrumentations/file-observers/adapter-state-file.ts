/**
 * Where adapters keep what they already read and emitted: one small JSON file
 * per watched path, replaced atomically (write then rename) so that a crash
 * never leaves half a state behind.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import type { AdapterConfig } from "./adapter-config.js";
import { errorMessage } from "../../lib/util/error-message.js";

/** The state directory used when neither `state_file` nor a state directory is given. */
export function defaultStateDir(): string {
  return join(homedir(), ".flowcept", "adapter_state");
}

/**
 * The state file of an adapter: `config.state_file` when set, else
 * `<stateDir>/<kind>-<digest of the watched path>.json`. `undefined` when
 * `state_file` is `false` (state in memory only).
 */
export function stateFilePath(config: AdapterConfig, target: string, stateDir: string = defaultStateDir()): string | undefined {
  if (config.state_file === false) return undefined;
  if (typeof config.state_file === "string") return resolve(config.state_file);
  const digest = createHash("sha1").update(resolve(target)).digest("hex").slice(0, 16);
  return join(resolve(stateDir), `${config.kind}-${digest}.json`);
}

/** Reads a state file; `undefined` when it is missing or unreadable (logged). */
export async function loadStateFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      diag.warn(`flowcept adapters: cannot read state file ${path}: ${errorMessage(err)}; starting afresh`);
    }
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    diag.warn(`flowcept adapters: state file ${path} is not valid JSON (${errorMessage(err)}); starting afresh`);
    return undefined;
  }
}

/** Replaces a state file atomically. Rejects when the file cannot be written. */
export async function saveStateFile(path: string, state: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, path);
}
