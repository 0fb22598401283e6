/**
 * Shell completion scripts generated from the commander program, so that
 * every command and option the parser knows completes, and nothing else.
 */
import type { Command, Option } from "commander";

/** Shells {@link completionScript} writes for. */
export const COMPLETION_SHELLS = ["bash", "zsh"] as const;
/** One of {@link COMPLETION_SHELLS}. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CommandSpec {
  name: string;
  description: string;
  options: Option[];
  /** Fixed values of the first argument, when it has some (`watch <kind>`, `completion <shell>`). */
  firstArgChoices: readonly string[];
}

function visibleOptions(cmd: Command): Option[] {
  return cmd.options.filter((o) => !(o as Option & { hidden?: boolean }).hidden);
}

function flagsOf(o: Option): string[] {
  return [o.short, o.long].filter((f): f is string => typeof f === "string");
}

function specs(program: Command): CommandSpec[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description(),
    options: visibleOptions(c),
    firstArgChoices: c.registeredArguments[0]?.argChoices ?? [],
  }));
}

function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function bash(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, "_")}_completion`;
  const globals = visibleOptions(program).flatMap(flagsOf).concat(["--help"]);
  const cmds = specs(program);
  const cases = cmds
    .map((c) => {
      const flags = c.options.flatMap(flagsOf).concat(["--help"]).join(" ");
      const valued = c.options.filter((o) => o.required || o.optional);
      const choices = c.options
        .filter((o) => o.argChoices?.length)
        .map((o) => `        ${flagsOf(o).join("|")}) COMPREPLY=($(compgen -W ${shellWord(o.argChoices!.join(" "))} -- "$cur")); return ;;`)
        .join("\n");
      const files = valued.filter((o) => !o.argChoices?.length).map((o) => flagsOf(o).join("|"));
      return [
        `    ${c.name})`,
        `      case "$prev" in`,
        ...(choices ? [choices] : []),
        ...(files.length ? [`        ${files.join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`] : []),
        `      esac`,
        `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${shellWord(`${flags} ${globals.join(" ")}`)} -- "$cur"));`,
        c.firstArgChoices.length
          ? `      elif [[ $argc -eq 0 ]]; then COMPREPLY=($(compgen -W ${shellWord(c.firstArgChoices.join(" "))} -- "$cur"));`
          : "",
        `      else COMPREPLY=($(compgen -f -- "$cur")); fi`,
        `      ;;`,
      ]
        .filter(Boolean)
        .join("\n");
    })
    .join("\n");
  return `# bash completion for ${name}; load it with: source <(${name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" argc=0 i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) if [[ -z "$cmd" ]]; then cmd="\${COMP_WORDS[i]}"; else argc=$((argc + 1)); fi ;;
    esac
  done
  case "$cmd" in
    "")
      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${shellWord(globals.join(" "))} -- "$cur"));
      else COMPREPLY=($(compgen -W ${shellWord(cmds.map((c) => c.name).join(" "))} -- "$cur")); fi
      ;;
${cases}
  esac
}
complete -o default -F ${fn} ${name}
`;
}

function zshOption(o: Option): string {
  const desc = o.description.replace(/[[\]:'\\]/g, " ").replace(/\s+/g, " ").trim();
  const takes = o.required || o.optional;
  const value = !takes ? "" : o.argChoices?.length ? `:value:(${o.argChoices.join(" ")})` : ":value:_files";
  const flags = flagsOf(o);
  const spec = flags.length > 1 ? `{${flags.join(",")}}` : flags[0]!;
  return `'${flags.length > 1 ? `(${flags.join(" ")})` : ""}'${spec}'[${desc}]${value}'`;
}

function zsh(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const globals = visibleOptions(program).map(zshOption);
  const cmds = specs(program);
  const described = cmds.map((c) => `    ${shellWord(`${c.name}:${c.description.replace(/:/g, " ")}`)}`).join("\n");
  const cases = cmds
    .map((c) => {
      const args = [...c.options.map(zshOption), ...(c.firstArgChoices.length ? [`'1:value:(${c.firstArgChoices.join(" ")})'`] : []), "'*:file:_files'"];
      return `        ${c.name})\n          _arguments -s ${[...globals, ...args].join(" \\\n            ")}\n          ;;`;
    })
    .join("\n");
  return `#compdef ${name}
# zsh completion for ${name}; load it with: source <(${name} completion zsh)
${fn}() {
  local -a commands
  commands=(
${described}
  )
  local curcontext="$curcontext" state line
  _arguments -C ${globals.join(" \\\n    ")} \\
    '(- *)--help[show help]' \\
    '1:command:->command' '*::arg:->args'
  case $state in
    command) _describe -t commands command commands ;;
    args)
      case $line[1] in
${cases}
      esac
      ;;
  esac
}
compdef ${fn} ${name}
`;
}

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: CompletionShell): string {
  return shell === "bash" ? bash(program) : zsh(program);
}
