/**
 * Redaction of secrets in environment variables and command lines, for
 * `machine_info` and the `process` telemetry block.
 *
 * A variable's value is replaced by {@link REDACTED} when its name looks
 * secret, and any value loses the password of a URI with embedded
 * credentials or is replaced whole when it has the shape of a well-known
 * token. A name looks secret when:
 * - it contains `PASSWORD`, `PASSWD`, `PASSPHRASE`, `SECRET`, `TOKEN`,
 *   `CREDENTIAL`, `APIKEY`, `ACCESSKEY` or `PRIVATEKEY` anywhere (any case:
 *   `PGPASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`), or
 * - one of its words (split at `_`, `-`, `.`) is `KEY`, `KEYS`, `PASS`, `PW`,
 *   `PWD`, `PAT`, `DSN`, `COOKIE`, `SALT`, or starts with `AUTH` / `OAUTH`
 *   (`API_KEY`, `MYSQL_PWD`, `HTTP_AUTH`, `AUTHORIZATION`) — except the
 *   shell's own `PWD` / `OLDPWD` (directories) and words `AUTHOR`/`AUTHORS`
 *   (`GIT_AUTHOR_NAME`).
 */

/** Written in place of a redacted value. */
export const REDACTED = "[REDACTED]";

const SECRET_SUBSTRING = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|APIKEY|ACCESSKEY|PRIVATEKEY/;
const SECRET_WORD = /^(KEY|KEYS|PASS|PW|PWD|PAT|DSN|COOKIE|SALT)$|^O?AUTH(?!ORS?$)/;
const NOT_SECRET = new Set(["PWD", "OLDPWD"]);

// scheme://user:password@host — only the password part is hidden.
const URI_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):([^\s@/]+)@/gi;
const TOKEN_SHAPES =
  /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abprs]-[\w-]{10,}|sk-[\w-]{20,}|(AKIA|ASIA)[0-9A-Z]{16}|eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*|(Bearer|Basic)\s+\S+|-----BEGIN [A-Z ]*PRIVATE KEY-----)/;

/** Whether a variable or option name looks like it holds a secret (rule above). */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET.has(upper)) return false;
  if (SECRET_SUBSTRING.test(upper)) return true;
  return upper.split(/[_.\-\s]+/).some((word) => SECRET_WORD.test(word));
}

/** A value with URI passwords hidden, or {@link REDACTED} when it has the shape of a known token. */
export function redactValue(value: string): string {
  if (TOKEN_SHAPES.test(value.trim())) return REDACTED;
  return value.includes("://") ? value.replace(URI_CREDENTIALS, `$1:${REDACTED}@`) : value;
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
