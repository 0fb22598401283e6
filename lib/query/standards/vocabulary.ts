/**
 * The names the standard exports use for Flowcept's own terms and for the
 * things they describe: one vocabulary namespace (documented in
 * docs/standards.md) and URN prefixes for workflows, tasks, values and
 * agents, whose local parts are {@link localName}-encoded.
 */

/** Flowcept's terms (`flowcept:status`, `flowcept:Task`…), described in docs/standards.md. */
export const FLOWCEPT_NS = "https://github.com/flowcept-otel/flowcept-otel/blob/main/docs/standards.md#";

/** Prefixes of the exported identifiers. */
export const ID_PREFIXES = {
  workflow: "urn:flowcept:workflow:",
  task: "urn:flowcept:task:",
  value: "urn:flowcept:value:",
  agent: "urn:flowcept:agent:",
} as const;

/**
 * A string as the local part of a qualified name (PROV-N `PN_LOCAL`) and of
 * an IRI: letters, digits, `_` and `-` (and `.` inside) are kept, every
 * other byte of its UTF-8 form is percent-encoded, so any id — `../`, spaces,
 * quotes, NUL — gives a name that cannot break the document it is in.
 */
export function localName(s: string): string {
  let out = "";
  const bytes = Buffer.from(s, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    const inner = i > 0 && i < bytes.length - 1;
    if (/[A-Za-z0-9_]/.test(c) || (c === "-" && i > 0) || (c === "." && inner)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out || "%00";
}
