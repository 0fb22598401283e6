import type { IncomingMessage } from "node:http";
import type { Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

/** Why a request body could not be read, with the HTTP status to answer. */
export class BodyError extends Error {
  override readonly name = "BodyError";
  constructor(
    readonly status: 400 | 413 | 415 | 429,
    message: string,
  ) {
    super(message);
  }
}

/** A decompressor for a `Content-Encoding`, null for none; throws {@link BodyError} 415 for one not supported. */
export function decoderFor(encoding: string | undefined): Transform | null {
  const e = (encoding ?? "").trim().toLowerCase();
  if (e === "" || e === "identity") return null;
  if (e === "gzip" || e === "x-gzip") return createGunzip();
  if (e === "deflate") return createInflate();
  if (e === "br") return createBrotliDecompress();
  throw new BodyError(415, `unsupported Content-Encoding "${encoding}" (supported: gzip, deflate, br, identity)`);
}

/**
 * Reads a request body, decompressing it as it arrives. Both the bytes on
 * the wire and the decompressed bytes are counted while streaming, so an
 * oversized body (or a compression bomb) is refused after at most
 * `maxBytes` are held, not after buffering all of it. Rejects with
 * {@link BodyError}; after a 413 the rest of the body is read and thrown
 * away (so the client can read the answer) up to `maxBytes` more, then the
 * connection is cut. `reserve(n)` is asked before `n` more bytes are held
 * (the service's bound across requests); when it refuses, the read fails
 * with 429.
 */
export function readBody(req: IncomingMessage, maxBytes: number, decoder: Transform | null, reserve: (bytes: number) => boolean = () => true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let settled = false;
    const fail = (err: BodyError): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      decoder?.destroy();
      reject(err);
    };
    const tooLarge = (): void => fail(new BodyError(413, `request body exceeds the limit of ${maxBytes} bytes`));
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const keep = (chunk: Buffer): void => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) tooLarge();
      else if (!reserve(chunk.length)) fail(new BodyError(429, "too many request bytes in flight across requests"));
      else chunks.push(chunk);
    };
    if (decoder) {
      decoder.on("data", keep);
      decoder.on("end", finish);
      decoder.on("error", (err: Error) => fail(new BodyError(400, `body is not valid for its Content-Encoding: ${err.message}`)));
    }
    req.on("data", (chunk: Buffer) => {
      wire += chunk.length;
      if (settled) {
        if (wire > 2 * maxBytes) req.destroy();
        return;
      }
      if (wire > maxBytes) tooLarge();
      else if (decoder) decoder.write(chunk);
      else keep(chunk);
    });
    req.on("end", () => {
      if (decoder) {
        if (!settled) decoder.end();
      } else finish();
    });
    req.on("error", (err: Error) => fail(new BodyError(400, `request body could not be read: ${err.message}`)));
    req.on("close", () => {
      if (!req.complete) fail(new BodyError(400, "request aborted before its body was complete"));
    });
  });
}
