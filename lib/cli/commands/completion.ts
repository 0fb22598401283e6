/** `flowcept-otel completion bash|zsh`: the shell completion script, generated from the program's own parser. */
import { Argument, type Command } from "commander";
import type { CliIo } from "../cli-context.js";
import { completionScript, COMPLETION_SHELLS, type CompletionShell } from "../completion.js";

/** Adds `completion` to the program. */
export function addCompletionCommand(program: Command, io: CliIo): void {
  program
    .command("completion")
    .description("print the shell completion script (bash: source <(flowcept-otel completion bash); zsh: likewise)")
    .addArgument(new Argument("<shell>", "the shell").choices(COMPLETION_SHELLS))
    .action((shell: CompletionShell) => {
      io.out(completionScript(program, shell));
    });
}
