/**
 * TFRecord framing, as TensorFlow writes event files: each record is
 * `u64le length`, `u32le masked CRC32C(length bytes)`, `payload`,
 * `u32le masked CRC32C(payload)`. Both checksums are verified.
 */
import CRC32C from "crc-32/crc32c.js";

/** Bytes before a payload: the length and its checksum. */
export const TFRECORD_HEADER_BYTES = 12;
/** Bytes after a payload: its checksum. */
export const TFRECORD_FOOTER_BYTES = 4;
/** Larger payloads are treated as damage: no event TensorBoard writes comes near this. */
export const TFRECORD_MAX_PAYLOAD_BYTES = 1 << 30;

const MASK_DELTA = 0xa282ead8;

/** The masked CRC32C TFRecord files store: the CRC rotated right by 15 bits plus a constant. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** A damaged stretch of a file that was skipped. */
export interface TfRecordDamage {
  /** Offset, within the scanned buffer, where the damage was found. */
  offset: number;
  /** `length` when the header checksum failed, `payload` when the payload checksum failed. */
  kind: "length" | "payload";
  /** Bytes skipped because of it. */
  skipped: number;
}

/** The outcome of {@link scanTfRecords}. */
export interface TfRecordScan {
  /**
   * Bytes of the buffer that are done with: verified records and skipped
   * damage. What follows is an incomplete (torn) record to read again once
   * the file has grown.
   */
  consumed: number;
  /** Verified records passed to the callback. */
  records: number;
  /** Damaged stretches skipped. */
  damage: TfRecordDamage[];
  /** When the buffer ends inside a record whose header is intact: bytes that record needs in all. */
  pendingRecordBytes?: number;
}

function u32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

// Reused for the 8 length bytes, so that checking a header allocates nothing.
const lengthBytes = new Uint8Array(8);

/** The payload length at `at` when the header there is intact, else -1. */
function headerLength(buf: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) lengthBytes[i] = buf[at + i]!;
  if (maskedCrc32c(lengthBytes) !== u32(buf, at + 8)) return -1;
  const hi = u32(buf, at + 4);
  const len = hi * 0x1_0000_0000 + u32(buf, at);
  return len > TFRECORD_MAX_PAYLOAD_BYTES ? -1 : len;
}

/**
 * Walks the TFRecord frames of `buf` from its start and calls
 * `onRecord(start, length)` for each payload whose two checksums hold.
 *
 * - A record cut off by the end of the buffer (a writer mid-append) is not
 *   damage: `consumed` stops before it, so the caller reads it again later.
 * - A payload with a bad checksum is skipped (its length is trustworthy).
 * - A header with a bad checksum means the length cannot be trusted: the scan
 *   moves forward to the next offset that holds an intact header.
 */
export function scanTfRecords(input: Uint8Array, onRecord: (start: number, length: number) => void): TfRecordScan {
  // A plain Uint8Array view: its subarrays are much cheaper to make than a Buffer's.
  const buf = Buffer.isBuffer(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : input;
  const out: TfRecordScan = { consumed: 0, records: 0, damage: [] };
  const end = buf.length;
  let pos = 0;
  while (pos + TFRECORD_HEADER_BYTES <= end) {
    const len = headerLength(buf, pos);
    if (len < 0) {
      let next = pos + 1;
      while (next + TFRECORD_HEADER_BYTES <= end && headerLength(buf, next) < 0) next++;
      // Offsets past end-12 could not be checked yet: they are read again next time.
      out.damage.push({ offset: pos, kind: "length", skipped: next - pos });
      pos = next;
      out.consumed = pos;
      continue;
    }
    const total = TFRECORD_HEADER_BYTES + len + TFRECORD_FOOTER_BYTES;
    if (pos + total > end) {
      out.pendingRecordBytes = total;
      break;
    }
    const start = pos + TFRECORD_HEADER_BYTES;
    if (maskedCrc32c(buf.subarray(start, start + len)) !== u32(buf, start + len)) {
      out.damage.push({ offset: pos, kind: "payload", skipped: total });
    } else {
      out.records++;
      onRecord(start, len);
    }
    pos += total;
    out.consumed = pos;
  }
  return out;
}
