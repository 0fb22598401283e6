/**
 * Which recorded values are datasets for OpenLineage: strings that name a
 * file or a resource — a URI with a scheme and an authority
 * (`s3://bucket/key`, `https://host/data.csv`, `file:///data/x`), an
 * absolute path (`/data/model.pt`), or a relative path that has a folder or
 * starts with `./` and ends in a file extension (`out/metrics.json`).
 * Names follow OpenLineage's naming: `file` and the absolute path for local
 * files, `scheme://authority` and the path without its leading `/` for the
 * others.
 */
import { isPlainObject } from "../../lib/util/plain-object.js";

/** An OpenLineage dataset identity. */
export interface DatasetName {
  namespace: string;
  name: string;
}

const MAX_LENGTH = 4096;
const URI_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]*)([^?#\s]*)/i;
const RELATIVE_RE = /^(\.{1,2}\/|[^\s/]+\/)[^\s]*\.[A-Za-z0-9]{1,10}$/;
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** The dataset a string names, or undefined when it does not look like a file or resource. */
export function datasetOf(value: string): DatasetName | undefined {
  if (value.length < 2 || value.length > MAX_LENGTH || CONTROL_RE.test(value)) return undefined;
  const uri = URI_RE.exec(value);
  if (uri) {
    const scheme = uri[1]!.toLowerCase();
    const path = uri[3] ?? "";
    if (scheme === "file") return path.length > 1 ? { namespace: "file", name: decodeSafely(path) } : undefined;
    if (!uri[2]) return undefined;
    return { namespace: `${scheme}://${uri[2]}`, name: path.replace(/^\/+/, "") || "/" };
  }
  if (value.startsWith("/") && value.length > 1 && !/\s/.test(value) && !value.startsWith("//")) return { namespace: "file", name: value };
  if (RELATIVE_RE.test(value)) return { namespace: "file", name: value };
  return undefined;
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The datasets named by the top-level entries of a `used` or `generated`
 * object (strings, and strings in arrays), once each, in the order met.
 */
export function datasetsOf(values: unknown, maxItems = 64): DatasetName[] {
  if (!isPlainObject(values)) return [];
  const out: DatasetName[] = [];
  const seen = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v !== "string") return;
    const d = datasetOf(v);
    if (!d) return;
    const k = `${d.namespace}\n${d.name}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(d);
  };
  for (const v of Object.values(values)) {
    if (Array.isArray(v)) v.slice(0, maxItems).forEach(add);
    else add(v);
  }
  return out;
}
