/**
 * Secrets: the one rule for what looks secret, applied to every value that
 * is recorded — task and workflow values (`json-safe.ts`), `stdout` /
 * `stderr`, settings snapshots, environment variables and command lines
 * (`machine_info`, the `process` telemetry block), and spans received by the
 * ingest service.
 *
 * A **name** (key, parameter, variable, option) looks secret when, split
 * into words at `_`, `-`, `.`, spaces and camelCase boundaries:
 * - it contains `password`, `passwd`, `passphrase`, `secret`, `credential`,
 *   `apikey`, `accesskey`, `privatekey` or `sessionid` anywhere
 *   (`PGPASSWORD`, `AWS_SECRET_ACCESS_KEY`, `apiKey`, `sessionId`), or
 * - one of its words is `token`, `key`, `keys`, `pass`, `pw`, `pwd`, `pat`,
 *   `dsn`, `cookie`, `salt`, `cred`, `creds`, `jwt`, ends in `pass`
 *   (`PGPASS`, `dbpass`; not `bypass`, `compass`), or starts with
 *   `auth`/`oauth` (`GITHUB_TOKEN`, `authToken`, `SSH_KEY`, `MY_CREDS`,
 *   `Authorization`) —
 * - except the shell's own `PWD` / `OLDPWD` (directories; a lowercase `pwd`
 *   parameter is a password), the words `author` / `authors`, and plural
 *   `tokens` (`max_tokens` is a count).
 *
 * A **value** (any string) is replaced whole when it has the shape of a
 * well-known token; inside longer text, these are hidden: the password of a
 * URI (`scheme://user:[REDACTED]@host`), tokens (GitHub `ghp_…` /
 * `github_pat_…`, GitLab `glpat-…`, Slack `xox?-…`, `sk-…` API keys, AWS
 * access key ids, JWTs), PEM private keys, `Bearer` / `Basic` credentials,
 * and the value of `name=value` / `name: value` when the name looks secret
 * (`Password=…;` in connection strings, `?access_token=…` in URLs).
 *
 * Settings can extend both lists ({@link configureRedaction}).
 */

import { setOwn } from "../util/own-property.js";

/** Written in place of a redacted value. */
export const REDACTED = "[REDACTED]";

const SECRET_SUBSTRING = /password|passwd|passphrase|secret|credential|apikey|accesskey|privatekey|sessionid/;
const SECRET_WORD = /^(token|key|keys|pass|pw|pwd|pat|dsn|cookie|salt|creds?|jwt)$|^o?auth(?!ors?$)|^(?!by|com|encom|over|under|sur|tres)[a-z0-9]+pass$/;
/** The shell's working directories, exactly as the shell names them. */
const NOT_SECRET = new Set(["PWD", "OLDPWD"]);

let extraKey: RegExp | undefined;
let extraValues: RegExp[] = [];
const nameCache = new Map<string, boolean>();

/** Whether a key, variable or option name looks like it holds a secret (rule above). Cached per name. */
export function isSecretName(name: string): boolean {
  let v = nameCache.get(name);
  if (v === undefined) {
    v = secretName(name);
    if (nameCache.size > 10_000) nameCache.clear();
    nameCache.set(name, v);
  }
  return v;
}

function secretName(name: string): boolean {
  if (NOT_SECRET.has(name)) return false;
  if (extraKey !== undefined && extraKey.test(name)) return true;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (SECRET_SUBSTRING.test(words.join(""))) return true;
  return words.some((w) => SECRET_WORD.test(w));
}

/** Extra rules, from settings (`redaction.key_patterns`, `redaction.value_patterns`). */
export interface RedactionRules {
  /** Regular expressions (case-insensitive) a secret name matches, besides the built-in rule. */
  keyPatterns?: readonly string[];
  /** Regular expressions whose matches are hidden in every recorded string. */
  valuePatterns?: readonly string[];
}

/**
 * Sets the extra rules (replacing earlier ones). Throws an `Error` naming
 * the pattern when one is not a valid regular expression.
 */
export function configureRedaction(rules: RedactionRules): void {
  const compile = (p: string, flags: string): RegExp => {
    try {
      return new RegExp(p, flags);
    } catch (err) {
      throw new Error(`invalid redaction pattern ${JSON.stringify(p)}: ${(err as Error).message}`);
    }
  };
  const keys = (rules.keyPatterns ?? []).map((p) => compile(p, "i").source);
  const values = (rules.valuePatterns ?? []).map((p) => compile(p, "g"));
  extraKey = keys.length ? new RegExp(keys.map((k) => `(?:${k})`).join("|"), "i") : undefined;
  extraValues = values;
  nameCache.clear();
}

// scheme://user:password@ — only the password part is hidden. Bounded parts, anchored at the
// start of the scheme: an unbounded scheme made this quadratic on long runs of letters.
const URI_CREDENTIALS = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/]{0,256}):([^\s@/]{1,1024})@/gi;
const TOKEN = String.raw`gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abprs]-[\w-]{10,}|sk-[\w-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{16}|eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*`;
/** Tokens (case matters: `AKIA…` is a key id, `Asia…` is not) and PEM private keys, anywhere. */
const TOKENS = new RegExp(String.raw`(?<![\w-])(?:${TOKEN})|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`, "g");
const WHOLE_TOKEN = new RegExp(String.raw`^(?:${TOKEN}|-----BEGIN [A-Z ]*PRIVATE KEY-----)`);
const WHOLE_AUTH = /^(bearer|basic)\s+(\S+)$/i;
/** In text: `name=value` / `name: value` (the name checked by the name rule), or an Authorization scheme and its credentials. */
const NAMED = new RegExp(
  String.raw`(?<![\w.-])(["']?)([A-Za-z_][\w.-]{0,63})\1(\s*(?:=|:(?!//))\s*)((?:bearer|basic)\s+)?("[^"]*"|'[^']*'|[^\s;&,"']+)` +
    String.raw`|\b(bearer|basic)(\s+)([\w.~+/-]{6,}=*)`,
  "gi",
);
/** Cheap test for text that may hold anything hidden by the patterns above. */
const SUSPECT = /[=:]|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|sk-|AKIA|ASIA|eyJ|bearer|basic|PRIVATE KEY/i;

type Replacer = (substring: string, ...args: unknown[]) => string;

function named(match: string, q: string, name: string | undefined, sep: string, scheme: string | undefined, value: string, authScheme: string | undefined, space: string, credentials: string): string {
  if (name === undefined) return looksLikeCredentials(authScheme!, credentials) ? `${authScheme}${space}${REDACTED}` : match;
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : "";
  const head = `${q}${name}${q}${sep}`;
  if (isSecretName(name)) return `${head}${scheme ?? ""}${quote}${REDACTED}${quote}`;
  if (scheme !== undefined) return looksLikeCredentials(scheme.trim(), value) ? `${head}${scheme}${REDACTED}` : match;
  // An ordinary name: its value may still hold a secret (`"note":"Bearer …"`).
  const inner = quote ? value.slice(1, -1) : value;
  const r = redactValue(inner);
  return r === inner ? match : `${head}${quote}${r}${quote}`;
}

/** `Bearer` tokens hold digits or punctuation (or are long); `Basic` credentials decode to `user:password`. */
function looksLikeCredentials(scheme: string, v: string): boolean {
  if (scheme.toLowerCase() === "basic") return Buffer.from(v, "base64").toString("latin1").includes(":");
  return v.length >= 20 || /[\d._~+/-]/.test(v);
}

/**
 * A string with every secret-shaped part hidden (rule above), or
 * {@link REDACTED} when the whole string is a well-known token. Returns the
 * same string when there is nothing to hide.
 */
export function redactValue(value: string): string {
  let s = value;
  for (const re of extraValues) s = s.replace(re, REDACTED);
  if (s.length < 5 || !SUSPECT.test(s)) return s;
  const t = s.trim();
  if (WHOLE_TOKEN.test(t)) return REDACTED;
  const auth = WHOLE_AUTH.exec(t);
  if (auth !== null && looksLikeCredentials(auth[1]!, auth[2]!)) return REDACTED;
  if (s.includes("://")) s = s.replace(URI_CREDENTIALS, `$1:${REDACTED}@`);
  return s.replace(NAMED, named as Replacer).replace(TOKENS, REDACTED);
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
 * a secret-looking flag (`--password hunter2`), and secret-shaped parts of
 * any argument ({@link redactValue}).
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

/**
 * A JSON value with the rule applied throughout: values under secret names
 * replaced, strings through {@link redactValue}. Returns the same value when
 * nothing was hidden (so callers can keep text they already have).
 */
export function redactJson<T>(v: T): T {
  if (typeof v === "string") return redactValue(v) as T;
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const r = redactJson(v[i]);
      if (r !== v[i]) (out ??= [...v])[i] = r;
    }
    return (out ?? v) as T;
  }
  let out: Record<string, unknown> | undefined;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    const r = isSecretName(k) && x !== null && typeof x !== "object" ? REDACTED : redactJson(x);
    if (r !== x) {
      out ??= { ...o };
      setOwn(out, k, r);
    }
  }
  return (out ?? v) as T;
}
