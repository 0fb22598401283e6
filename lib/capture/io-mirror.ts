/**
 * OpenInference-style mirrors of a task's inputs and outputs on its span:
 * `input.value` / `output.value` with `input.mime_type` /
 * `output.mime_type`, which Jaeger, Tempo, Phoenix and other viewers show
 * without knowing the `flowcept.*` attributes. They reuse the JSON text
 * already made for `flowcept.used` / `flowcept.generated`; the only extra
 * work is a length check, and a cut when the text is over the cap.
 */
import type { Attributes } from "@opentelemetry/api";

/** Attribute names (OpenInference semantic conventions). */
export const IO_ATTR = {
  INPUT_VALUE: "input.value",
  INPUT_MIME_TYPE: "input.mime_type",
  OUTPUT_VALUE: "output.value",
  OUTPUT_MIME_TYPE: "output.mime_type",
} as const;

const JSON_MIME = "application/json";
const TEXT_MIME = "text/plain";

/** `json` cut to at most `maxBytes` UTF-8 bytes with a marker (then no longer JSON), or as is. */
export function capIo(json: string, maxBytes: number): { value: string; mime: string } {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most values need no byte count at all.
  if (json.length * 3 <= maxBytes) return { value: json, mime: JSON_MIME };
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return { value: json, mime: JSON_MIME };
  const marker = `…[truncated, ${bytes} bytes]`;
  const keep = Math.max(0, maxBytes - Buffer.byteLength(marker));
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  const head = Buffer.from(json).subarray(0, keep).toString("utf8").replace(/\uFFFD+$/, "");
  return { value: head + marker, mime: TEXT_MIME };
}

/** Adds the `input.*` (or `output.*`) mirror of `json` to `attrs`; nothing when `maxBytes` is 0. */
export function addIoMirror(attrs: Attributes, which: "input" | "output", json: string, maxBytes: number): void {
  if (maxBytes <= 0) return;
  const { value, mime } = capIo(json, maxBytes);
  if (which === "input") {
    attrs[IO_ATTR.INPUT_VALUE] = value;
    attrs[IO_ATTR.INPUT_MIME_TYPE] = mime;
  } else {
    attrs[IO_ATTR.OUTPUT_VALUE] = value;
    attrs[IO_ATTR.OUTPUT_MIME_TYPE] = mime;
  }
}
