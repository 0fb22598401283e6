/**
 * Secrets: one rule for what looks secret, used for record values
 * (`json-safe.ts`), settings snapshots, environment variables and command
 * lines (`machine_info`, the `process` telemetry block); settings snapshots
 * use it through `settings/redact-settings.ts`.
 *
 * A name (key, variable, option) looks secret when, split into words at
 * `_`, `-`, `.`, spaces and camelCase boundaries:
 * - it contains `password`, `passwd`, `passphrase`, `secret`, `credential`,
 *   `apikey`, `accesskey` or `privatekey` anywhere (`PGPASSWORD`,
 *   `AWS_SECRET_ACCESS_KEY`, `apiKey`), or
 * - one of its words is `token`, `key`, `keys`, `pass`, `pw`, `pwd`, `pat`,
 *   `dsn`, `cookie`, `salt`, `sessionid`, or starts with `auth`/`oauth`
 *   (`GITHUB_TOKEN`, `authToken`, `SSH_KEY`, `HTTP_AUTH`, `Authorization`) —
 *   except the shell's own `PWD`/`OLDPWD` (directories), the words
 *   `author`/`authors`, and plural `tokens` (`max_tokens`, `tokens_used` are
 *   counts, not secrets).
 *
 * A value loses the password of a URI with embedded credentials, or is
 * replaced whole when it has the shape of a well-known token.
 */

/** Written in place of a redacted value. */
export const REDACTED = "[REDACTED]";

const SECRET_SUBSTRING = /password|passwd|passphrase|secret|credential|apikey|accesskey|privatekey/;
const SECRET_WORD = /^(token|key|keys|pass|pw|pwd|pat|dsn|cookie|salt|sessionid)$|^o?auth(?!ors?$)/;
const NOT_SECRET = new Set(["pwd", "oldpwd"]);

/** Whether a key, variable or option name looks like it holds a secret (rule above). */
export function isSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const joined = words.join("");
  if (NOT_SECRET.has(joined)) return false;
  if (SECRET_SUBSTRING.test(joined)) return true;
  return words.some((w) => SECRET_WORD.test(w));
}

// scheme://user:password@host — only the password part is hidden.
const URI_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):([^\s@/]+)@/gi;
const TOKEN_SHAPES =
  /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abprs]-[\w-]{10,}|sk-[\w-]{20,}|(AKIA|ASIA)[0-9A-Z]{16}|eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*|(Bearer|Basic)\s+\S+|-----BEGIN [A-Z ]*PRIVATE KEY-----)/;

/** A value with URI passwords hidden, or {@link REDACTED} when it has the shape of a known token. */
export function redactValue(value: string): string {
  if (TOKEN_SHAPES.test(value.trim())) return REDACTED;
  return redactUri(value);
}

/**
 * A copy of `env` in which secret-looking names have their value replaced by
 * {@link REDACTED} and every other value went through {@link redactValue}.
 * Variables with no value are left out.
 */
export function redactEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    out[name] = isSecretName(name) ? REDACTED : redactValue(value);
  }
  return out;
}

/**
 * A copy of a command line with secrets hidden: the value of
 * `--name=value` / `name=value` when `name` looks secret, the argument after
 * a secret-looking flag (`--password hunter2`), and URI passwords or known
 * token shapes anywhere.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext && !arg.startsWith("-")) {
      out.push(REDACTED);
      hideNext = false;
      continue;
    }
    hideNext = false;
    const eq = arg.indexOf("=");
    const name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^-+/, "");
    if (eq > 0 && isSecretName(name)) out.push(`${arg.slice(0, eq)}=${REDACTED}`);
    else {
      if (eq < 0 && arg.startsWith("-") && isSecretName(name)) hideNext = true;
      out.push(redactValue(arg));
    }
  }
  return out;
}

/** A URI (or any text) with the passwords of URIs hidden: `mongodb://user:[REDACTED]@host`. */
export function redactUri(uri: string): string {
  return uri.includes("://") ? uri.replace(URI_CREDENTIALS, `$1:${REDACTED}@`) : uri;
}
