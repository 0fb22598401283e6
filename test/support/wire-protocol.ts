/**
 * MongoDB wire-protocol framing for the test server: OP_MSG (opcode 2013),
 * the legacy OP_QUERY (2004) handshake, and OP_REPLY (1) answers to it.
 */
import { deserialize, serialize, Long, type Document } from "bson";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const CHECKSUM_PRESENT = 1;
const HEADER_BYTES = 16;

/** One decoded request. */
export interface WireRequest {
  requestId: number;
  opCode: number;
  /** The command document, with OP_MSG document sequences folded in. */
  command: Document;
  /** For OP_QUERY: the namespace the query was sent to (`admin.$cmd`). */
  namespace?: string;
}

/** Reads a NUL-terminated string at `offset`; returns it and the offset after it. */
function readCString(buf: Buffer, offset: number): [string, number] {
  const end = buf.indexOf(0, offset);
  if (end === -1) throw new Error("unterminated cstring");
  return [buf.toString("utf8", offset, end), end + 1];
}

function bsonAt(buf: Buffer, offset: number): [Document, number] {
  const size = buf.readInt32LE(offset);
  // promoteValues keeps Long as numbers where they fit, as a server would compare them.
  const doc = deserialize(buf.subarray(offset, offset + size), { promoteLongs: true, promoteValues: true });
  return [doc, offset + size];
}

/** Total length of the message at the start of `buf`, or -1 when its header is not complete. */
export function messageLength(buf: Buffer): number {
  return buf.length < 4 ? -1 : buf.readInt32LE(0);
}

/** Decodes one complete message (`buf` holds exactly one). */
export function decodeMessage(buf: Buffer): WireRequest {
  const requestId = buf.readInt32LE(4);
  const opCode = buf.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = buf.readUInt32LE(HEADER_BYTES);
    const end = flags & CHECKSUM_PRESENT ? buf.length - 4 : buf.length;
    let offset = HEADER_BYTES + 4;
    let command: Document | undefined;
    const sequences: [string, Document[]][] = [];
    while (offset < end) {
      const kind = buf.readUInt8(offset++);
      if (kind === 0) {
        [command, offset] = bsonAt(buf, offset);
      } else if (kind === 1) {
        const sectionEnd = offset + buf.readInt32LE(offset);
        let id: string;
        [id, offset] = readCString(buf, offset + 4);
        const docs: Document[] = [];
        while (offset < sectionEnd) {
          let d: Document;
          [d, offset] = bsonAt(buf, offset);
          docs.push(d);
        }
        sequences.push([id, docs]);
      } else {
        throw new Error(`unknown OP_MSG section kind ${kind}`);
      }
    }
    if (!command) throw new Error("OP_MSG without a body section");
    for (const [id, docs] of sequences) command[id] = docs;
    return { requestId, opCode, command };
  }
  if (opCode === OP_QUERY) {
    let offset = HEADER_BYTES + 4;
    let namespace: string;
    [namespace, offset] = readCString(buf, offset);
    offset += 8; // numberToSkip, numberToReturn
    const [query] = bsonAt(buf, offset);
    // Legacy drivers may wrap the command as {$query: {...}}.
    const command = (query.$query ?? query) as Document;
    return { requestId, opCode, command, namespace };
  }
  throw new Error(`unsupported opcode ${opCode}`);
}

let nextResponseId = 1;

/** Encodes an OP_MSG reply with one body section. */
export function encodeMsgReply(responseTo: number, body: Document): Buffer {
  const bson = serialize(body);
  const header = Buffer.alloc(HEADER_BYTES + 4 + 1);
  header.writeInt32LE(header.length + bson.length, 0);
  header.writeInt32LE(nextResponseId++, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, bson]);
}

/** Encodes an OP_REPLY carrying one document (the answer to a legacy OP_QUERY). */
export function encodeLegacyReply(responseTo: number, body: Document): Buffer {
  const bson = serialize(body);
  const header = Buffer.alloc(HEADER_BYTES + 20);
  header.writeInt32LE(header.length + bson.length, 0);
  header.writeInt32LE(nextResponseId++, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_REPLY, 12);
  header.writeInt32LE(0, 16); // responseFlags
  header.writeBigInt64LE(0n, 20); // cursorID
  header.writeInt32LE(0, 28); // startingFrom
  header.writeInt32LE(1, 32); // numberReturned
  return Buffer.concat([header, bson]);
}

/** A cursor id as the driver expects it (int64). */
export function cursorId(n: number): Long {
  return Long.fromNumber(n);
}
