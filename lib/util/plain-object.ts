/**
 * An object literal (or `Object.create(null)`), as JSON parsing makes: not an
 * array, a Date, a class instance. Never throws (a revoked Proxy is not plain).
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  try {
    if (Array.isArray(v)) return false;
    const p = Object.getPrototypeOf(v);
    return p === Object.prototype || p === null;
  } catch {
    return false;
  }
}
