/**
 * A file of named typed arrays with a JSON header, read back in one read
 * with no parsing per element: the on-disk form of the lineage index.
 *
 *   "FCPTCOL1" | header length (uint32 LE) | header JSON | padding | sections, each 8-byte aligned
 *
 * The header lists each section's name, array type, byte offset and element
 * count; arrays are in this machine's byte order, which the header names. A
 * file that is short, malformed or from a machine of the other byte order is
 * refused with {@link ColumnsFileError}.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { endianness } from "node:os";

const MAGIC = "FCPTCOL1";

/** The typed arrays a columns file holds. */
export type Column = Int32Array | Uint32Array | Float64Array | Uint8Array | Uint16Array;

const TYPES = {
  Int32Array,
  Uint32Array,
  Float64Array,
  Uint8Array,
  Uint16Array,
} as const;
type TypeName = keyof typeof TYPES;

interface Section {
  name: string;
  type: TypeName;
  offset: number;
  length: number;
}

/** A columns file that cannot be read. */
export class ColumnsFileError extends Error {
  override readonly name = "ColumnsFileError";
}

function typeName(a: Column): TypeName {
  for (const [name, ctor] of Object.entries(TYPES)) if (a instanceof ctor) return name as TypeName;
  throw new TypeError("unsupported column type");
}

/** Writes `columns` and `header` to `path` atomically (a temporary file renamed into place). */
export function writeColumnsFile(path: string, header: Record<string, unknown>, columns: Record<string, Column>): void {
  const sections: Section[] = [];
  const names = Object.keys(columns);
  // Offsets depend on the header's length, which depends on the offsets' digits: size generously, then pad.
  const draft = (base: number): string => {
    sections.length = 0;
    let at = base;
    for (const name of names) {
      const a = columns[name]!;
      at = Math.ceil(at / 8) * 8;
      sections.push({ name, type: typeName(a), offset: at, length: a.length });
      at += a.byteLength;
    }
    return JSON.stringify({ ...header, endianness: endianness(), sections });
  };
  let base = 4096;
  let json = draft(base);
  while (12 + Buffer.byteLength(json) > base) {
    base *= 2;
    json = draft(base);
  }
  const head = Buffer.alloc(base);
  head.write(MAGIC, 0, "latin1");
  const jsonBytes = Buffer.from(json);
  head.writeUInt32LE(jsonBytes.length, 8);
  jsonBytes.copy(head, 12);

  const tmp = `${path}.${process.pid}.tmp`;
  // A file created here, never one a link points at.
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "wx");
  try {
    let at = 0;
    const put = (bytes: Uint8Array): void => {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
      at += bytes.length;
    };
    put(head);
    for (const s of sections) {
      if (s.offset > at) put(new Uint8Array(s.offset - at));
      const a = columns[s.name]!;
      put(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Reads a columns file; throws {@link ColumnsFileError} when it is not a whole, readable one. */
export function readColumnsFile(path: string): { header: Record<string, unknown>; columns: Record<string, Column> } {
  let buf: Buffer = readFileSync(path);
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== MAGIC) throw new ColumnsFileError(`${path} is not a columns file`);
  if (buf.byteOffset % 8 !== 0) buf = Buffer.from(buf); // views need aligned offsets
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) throw new ColumnsFileError(`${path} is truncated`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString("utf8", 12, 12 + headerLength)) as Record<string, unknown>;
  } catch {
    throw new ColumnsFileError(`${path} has a malformed header`);
  }
  if (!header || typeof header !== "object" || header.endianness !== endianness() || !Array.isArray(header.sections)) {
    throw new ColumnsFileError(`${path} was written on another kind of machine or is malformed`);
  }
  const columns: Record<string, Column> = {};
  for (const s of header.sections as Section[]) {
    const ctor = TYPES[s?.type as TypeName];
    if (!ctor || typeof s.name !== "string" || !Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset < 0 || s.length < 0) {
      throw new ColumnsFileError(`${path} has a malformed section`);
    }
    if (s.offset % ctor.BYTES_PER_ELEMENT !== 0 || s.offset + s.length * ctor.BYTES_PER_ELEMENT > buf.length) throw new ColumnsFileError(`${path} is truncated`);
    columns[s.name] = new ctor(buf.buffer as ArrayBuffer, buf.byteOffset + s.offset, s.length);
  }
  return { header, columns };
}
