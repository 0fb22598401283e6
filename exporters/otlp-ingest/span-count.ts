/**
 * How many spans an OTLP request holds, counted on the encoded body before
 * it is decoded: a small compressed body can expand to millions of empty
 * spans, and decoding them all is what costs the memory and the time. The
 * count stops as soon as it passes `limit`. A malformed body is counted as
 * far as it can be read; decoding it then fails with its own error.
 */

/** Spans in a protobuf `ExportTraceServiceRequest` (up to `limit + 1`). */
export function countProtobufSpans(buf: Uint8Array, limit: number): number {
  let count = 0;
  let ok = true;
  let pos = 0;

  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) {
        ok = false;
        return 0;
      }
      const b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    ok = false;
    return 0;
  };

  /** Walks the fields of [start, end); `onLen(field, from, to)` sees length-delimited fields. */
  const fields = (start: number, end: number, onLen: (field: number, from: number, to: number) => void): void => {
    pos = start;
    while (ok && pos < end && count <= limit) {
      const tag = varint();
      const wire = tag % 8;
      const field = Math.floor(tag / 8);
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const len = varint();
        const from = pos;
        const to = from + len;
        if (to > end) ok = false;
        else {
          onLen(field, from, to);
          pos = to;
        }
      } else ok = false;
    }
  };

  fields(0, buf.length, (f, a, b) => {
    if (f !== 1) return;
    // ResourceSpans.scope_spans = 2
    fields(a, b, (g, c, d) => {
      if (g !== 2) return;
      // ScopeSpans.spans = 2
      fields(c, d, (h) => {
        if (h === 2) count++;
      });
    });
  });
  return count;
}

const QUOTE = 34;
const BACKSLASH = 92;
const SPAN_PATH = ["resourceSpans", "scopeSpans", "spans"];

/**
 * Spans in an OTLP/JSON `ExportTraceServiceRequest` (up to `limit + 1`):
 * the values of the arrays at `resourceSpans[].scopeSpans[].spans`. One pass
 * over the text, no values built.
 */
export function countJsonSpans(text: string, limit: number): number {
  let count = 0;
  // Open containers: for each, whether it is an array and the key it sits under.
  const isArray: boolean[] = [];
  const keys: (string | undefined)[] = [];
  let lastKey: string | undefined;
  let pendingString: string | undefined;
  let valueStarts = false;
  const onSpanPath = (): boolean => {
    const d = keys.length;
    return d === 6 && isArray[5] === true && keys[5] === SPAN_PATH[2] && keys[3] === SPAN_PATH[1] && keys[1] === SPAN_PATH[0];
  };
  for (let i = 0; i < text.length && count <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (valueStarts && c !== 93 && onSpanPath()) count++;
    valueStarts = false;
    if (c === QUOTE) {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return count;
        let b = 0;
        for (let k = q - 1; k > i && text.charCodeAt(k) === BACKSLASH; k--) b++;
        if (b % 2 === 0) {
          // Keys are short; values may be long but only keys are compared.
          const raw = q - i <= 64 ? text.slice(i + 1, q) : undefined;
          pendingString = raw !== undefined && raw.includes("\\") ? unescape(raw) : raw;
          i = q;
          break;
        }
        j = q + 1;
      }
      continue;
    }
    if (c === 58) {
      // ':' — the string just read was a key
      lastKey = pendingString;
      continue;
    }
    if (c === 123 || c === 91) {
      // '{' or '['
      const inArray = isArray[isArray.length - 1] === true;
      keys.push(inArray ? undefined : lastKey);
      isArray.push(c === 91);
      lastKey = undefined;
      valueStarts = c === 91;
      continue;
    }
    if (c === 125 || c === 93) {
      keys.pop();
      isArray.pop();
      continue;
    }
    if (c === 44) {
      // ',' — the next value of an array starts
      valueStarts = isArray[isArray.length - 1] === true;
    }
  }
  return count;
}

function unescape(raw: string): string | undefined {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}
