#!/usr/bin/env node
/**
 * Standalone entry of the ingest command, until it is part of the
 * `flowcept-otel` program: `node dist/lib/ingest-main.js ingest [options]`.
 */
import { Command } from "commander";
import { addIngestCommand } from "./ingest-command.js";

const program = new Command("flowcept-otel").option("--settings <path>", "settings.yaml to use (default: FLOWCEPT_SETTINGS_PATH or ~/.flowcept/settings.yaml)");
addIngestCommand(program);
try {
  await program.parseAsync(process.argv);
  // Anything an exporter left open must not keep a stopped service alive.
  setTimeout(() => process.exit(0), 2000).unref();
} catch (err) {
  process.stderr.write(`flowcept-otel: error: ${(err as Error)?.message ?? err}\n`);
  process.exitCode = 1;
}
