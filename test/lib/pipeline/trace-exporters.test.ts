import { expect } from "chai";
import { otlpProtocolFromEnv, otlpTracesEndpoint, tracesExportersFromEnv } from "../../../lib/pipeline/trace-exporters.js";

/** Runs `fn` with OTEL_* variables set to `env` only. */
function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith("OTEL_")) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe("the trace path from OTel's environment", () => {
  it("reads OTEL_TRACES_EXPORTER as a list; none wins; unset means otlp only when an endpoint is set", () => {
    expect(withEnv({}, tracesExportersFromEnv)).to.deep.equal([]);
    expect(withEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" }, tracesExportersFromEnv)).to.deep.equal(["otlp"]);
    expect(withEnv({ OTEL_TRACES_EXPORTER: " OTLP , console,otlp" }, tracesExportersFromEnv)).to.deep.equal(["otlp", "console"]);
    expect(withEnv({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, tracesExportersFromEnv)).to.deep.equal([]);
    expect(withEnv({ OTEL_TRACES_EXPORTER: "console,none" }, tracesExportersFromEnv)).to.deep.equal([]);
    expect(withEnv({ OTEL_TRACES_EXPORTER: ",,," }, tracesExportersFromEnv)).to.deep.equal([]);
  });

  it("takes the signal's protocol over the general one, http/protobuf by default", () => {
    expect(withEnv({}, otlpProtocolFromEnv)).to.equal("http/protobuf");
    expect(withEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" }, otlpProtocolFromEnv)).to.equal("http/json");
    expect(withEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: "carrier-pigeon" }, otlpProtocolFromEnv)).to.equal("http/protobuf");
  });

  it("names the endpoint as the exporters resolve it, without credentials", () => {
    expect(withEnv({}, () => otlpTracesEndpoint("http/protobuf"))).to.equal("http://localhost:4318/v1/traces");
    expect(withEnv({}, () => otlpTracesEndpoint("grpc"))).to.equal("http://localhost:4317");
    expect(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example:4318/base/" }, () => otlpTracesEndpoint("http/json"))).to.equal("https://c.example:4318/base/v1/traces");
    expect(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://y/traces" }, () => otlpTracesEndpoint("http/protobuf"))).to.equal("http://y/traces");
    expect(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://user:hunter2@c:4318" }, () => otlpTracesEndpoint("http/protobuf"))).to.equal("http://user:[REDACTED]@c:4318/v1/traces");
    expect(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "notaurl" }, () => otlpTracesEndpoint("http/protobuf"))).to.equal("http://localhost:4318/v1/traces");
  });
});
