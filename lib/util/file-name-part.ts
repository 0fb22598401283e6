/**
 * Turning an id that comes from outside (a workflow id from a span, W3C
 * baggage or options) into part of a file name. The result holds only
 * `[A-Za-z0-9._-]`, so it can never name another folder, and is short
 * enough for any file system.
 */
import { createHash } from "node:crypto";

const SAFE = /^[A-Za-z0-9_.-]+$/;
const MAX_LENGTH = 100;
const KEPT_PREFIX = 48;

/**
 * `id` as it is when it is made of letters, digits, `_`, `.` and `-`, is not
 * only dots, and is at most 100 characters long (UUIDs and the ids Flowcept
 * makes); otherwise a readable prefix with every other character replaced by
 * `_`, then `-` and 16 hex digits of the id's SHA-256 — the same id always
 * gives the same name, and different ids different ones.
 */
export function fileNamePart(id: string): string {
  if (id.length > 0 && id.length <= MAX_LENGTH && SAFE.test(id) && !/^\.+$/.test(id)) return id;
  const readable = id.slice(0, KEPT_PREFIX).replace(/[^A-Za-z0-9_-]/g, "_");
  return `${readable}-${createHash("sha256").update(id).digest("hex").slice(0, 16)}`;
}
