/**
 * Python Flowcept as a peer: its offline-mode settings file and the scripts
 * under test/integration/python, run with the virtual environment's Python.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../support/paths.js";

const SCRIPTS = join(REPO_ROOT, "test", "integration", "python");

/**
 * Writes a settings.yaml for Flowcept's offline mode (no message queue, no
 * database: the buffer file at `bufferPath`), telemetry on unless
 * `telemetry: false`, Flowcept's message enrichment (git metadata) on unless
 * `enrichMessages: false`; returns its path. flowcept-otel reads the same
 * file (`FLOWCEPT_SETTINGS_PATH`).
 */
export function writeOfflineSettings(dir: string, bufferPath: string, options: { telemetry?: boolean; enrichMessages?: boolean } = {}): string {
  const path = join(dir, "settings.yaml");
  writeFileSync(
    path,
    [
      "project:",
      "  db_flush_mode: offline",
      ...(options.enrichMessages === false ? ["  enrich_messages: false"] : []),
      "  dump_buffer:",
      "    enabled: true",
      `    path: ${JSON.stringify(bufferPath)}`,
      "mq:",
      "  enabled: false",
      "kv_db:",
      "  enabled: false",
      "databases:",
      "  mongodb:",
      "    enabled: false",
      "  lmdb:",
      "    enabled: false",
      "telemetry_capture:",
      ...(options.telemetry !== false ? ["  cpu: true", "  mem: true", "  process_info: true"] : []),
      "log:",
      "  log_file_level: disable",
      "  log_stream_level: disable",
      "",
    ].join("\n"),
  );
  return path;
}

/** Runs a script of test/integration/python; resolves with its stdout, rejects with its stderr. */
export function runPython(python: string, script: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [join(SCRIPTS, script), ...args],
      { cwd: options.cwd, env: { ...process.env, HOME: options.cwd, ...options.env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
