/**
 * Sets `obj[key]` as an own data property. Plain assignment of `__proto__`
 * would change the object's prototype instead, losing the key (or letting
 * a user-supplied key reach the prototype chain).
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
