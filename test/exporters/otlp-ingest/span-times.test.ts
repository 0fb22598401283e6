import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { expect } from "chai";
import { decodeTraceRequest } from "../../../exporters/otlp-ingest/otlp-protobuf.js";
import { parseTraceRequestJson } from "../../../exporters/otlp-ingest/otlp-json.js";
import { otlpRequestToRecords } from "../../../exporters/otlp-ingest/otlp-records.js";
import { readableSpanToData } from "../../../lib/pipeline/readable-span.js";
import { spanToRecord } from "../../../lib/pipeline/span-to-record.js";
import { finishedSpans } from "../../support/otlp-client.js";

describe("span times in-process and through OTLP", () => {
  it("map to the very same float seconds, whatever the nanoseconds (the same record on both paths)", async () => {
    // Start and end times as OTel gives them: [s, ns] with fractional nanoseconds (from
    // performance.now()) and epoch milliseconds with a fraction; seconds near 2026.
    const starts: Array<[number, number] | number> = [];
    for (let i = 0; i < 200; i++) {
      starts.push([1796068374 + i, (i * 7_654_321.123 + 0.5) % 1e9]);
      starts.push(1796068374052.3786 + i * 13.37);
    }
    const spans = await finishedSpans((tracer) => {
      const t = tracer("app");
      for (const start of starts) t.startSpan("op", { startTime: start }).end(Array.isArray(start) ? [start[0] + 1, (start[1] * 3) % 1e9] : start + 0.123456789);
    });
    const inProcess = spans.map((s) => spanToRecord(readableSpanToData(s))!);
    const proto = otlpRequestToRecords(decodeTraceRequest(ProtobufTraceSerializer.serializeRequest(spans)!)).records;
    const json = otlpRequestToRecords(parseTraceRequestJson(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!))).records;
    expect(proto).to.have.length(spans.length);
    expect(json).to.have.length(spans.length);
    let differ = 0;
    for (let i = 0; i < spans.length; i++) {
      for (const field of ["started_at", "ended_at", "utc_timestamp"]) {
        const mine = inProcess[i]![field];
        if (proto[i]![field] !== mine || json[i]![field] !== mine) differ++;
      }
    }
    expect(differ, "times that differ between the in-process and the OTLP record").to.equal(0);
  });
});
