/** `flowcept-otel init-settings`: write a settings.yaml with every key and its default. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { stringify as toYaml } from "yaml";
import { defaultSettings } from "../../settings/settings.js";
import { errorMessage } from "../../util/error-message.js";
import { CliError } from "../CliError.js";
import { type CliIo, type GlobalOptions } from "../cli-context.js";

/** Adds `init-settings` to the program. */
export function addInitSettingsCommand(program: Command, io: CliIo): void {
  program
    .command("init-settings")
    .description("write a settings.yaml with every key and its default")
    .option("--path <file>", "where to write (default: FLOWCEPT_SETTINGS_PATH or ~/.flowcept/settings.yaml)")
    .option("--force", "overwrite an existing file")
    .action((o: { path?: string; force?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const path = resolve(o.path ?? g.settings ?? process.env.FLOWCEPT_SETTINGS_PATH ?? join(homedir(), ".flowcept", "settings.yaml"));
      if (existsSync(path) && !o.force) throw new CliError(`${path} already exists; pass --force to overwrite it`);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, `# flowcept-otel settings (Flowcept's keys where they apply)\n${toYaml(defaultSettings())}`);
      } catch (err) {
        throw new CliError(`cannot write ${path}: ${errorMessage(err)}`);
      }
      if (g.json) io.out(`${JSON.stringify({ path })}\n`);
      else io.out(`settings written to ${path}\n`);
    });
}
