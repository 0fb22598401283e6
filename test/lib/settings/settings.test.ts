import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configure, getSettings, resetSettings } from "../../../lib/settings/settings-loader.js";
import { FlowceptSettingsError } from "../../../lib/settings/settings.js";

describe("settings", () => {
  const saved = process.env.FLOWCEPT_SETTINGS_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.FLOWCEPT_SETTINGS_PATH;
    else process.env.FLOWCEPT_SETTINGS_PATH = saved;
    resetSettings();
  });

  function writeSettings(text: string): string {
    const dir = mkdtempSync(join(tmpdir(), "fc-settings-"));
    const file = join(dir, "settings.yaml");
    writeFileSync(file, text);
    process.env.FLOWCEPT_SETTINGS_PATH = file;
    resetSettings();
    return file;
  }

  it("works with no file at all", () => {
    process.env.FLOWCEPT_SETTINGS_PATH = join(tmpdir(), "does-not-exist-dir", "x.yaml");
    delete process.env.FLOWCEPT_SETTINGS_PATH;
    const s = getSettings();
    expect(s.instrumentation.enabled).to.equal(true);
    expect(s.project.dump_buffer.path).to.equal("flowcept_buffer.jsonl");
    expect(s.project.dump_buffer.delete_previous_file).to.equal(false);
  });

  it("reads Flowcept's keys from the file and keeps unknown ones", () => {
    writeSettings(`
project:
  dump_buffer:
    path: other.jsonl
telemetry_capture:
  gpu: [used, temperature]
  cpu: true
mq:
  type: redis
`);
    const s = getSettings();
    expect(s.project.dump_buffer.path).to.equal("other.jsonl");
    expect(s.project.dump_buffer.enabled).to.equal(true);
    expect(s.telemetry_capture.gpu).to.deep.equal(["used", "temperature"]);
    expect(s.telemetry_capture.cpu).to.equal(true);
    expect((s as any).mq).to.deep.equal({ type: "redis" });
  });

  it("names the file and the key for a value of the wrong type", () => {
    const file = writeSettings("telemetry_capture:\n  cpu: yes please\n");
    expect(() => getSettings()).to.throw(FlowceptSettingsError, file).and.match(/telemetry_capture\.cpu/);
  });

  it("names the file for invalid YAML", () => {
    const file = writeSettings("project: [unclosed\n");
    try {
      getSettings();
      expect.fail("should throw");
    } catch (err) {
      expect(err).to.be.instanceOf(FlowceptSettingsError);
      expect((err as Error).message).to.contain(file).and.contain("invalid YAML");
    }
  });

  it("refuses a settings path that is not a regular file (/dev/zero) or is too big for a settings file, without reading it", async function () {
    this.timeout(30_000);
    const loader = new URL("../../../lib/settings/settings-loader.js", import.meta.url).href;
    const script = `const { getSettings } = await import(${JSON.stringify(loader)}); try { getSettings(); console.log("read"); } catch (e) { console.log(e.message); }`;
    const big = writeSettings(`# ${"x".repeat(2 * 1024 * 1024)}\n`);
    for (const [path, said] of [["/dev/zero", /is not a regular file/], [big, /is larger than 1 MiB/]] as const) {
      const out = await new Promise<string>((done) =>
        execFile(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, FLOWCEPT_SETTINGS_PATH: path }, timeout: 15_000 }, (_e, stdout, stderr) => done(stdout + stderr)),
      );
      expect(out, path).to.match(said).and.contain(path);
    }
  });

  it("layers configure() over the file", () => {
    writeSettings("project:\n  dump_buffer:\n    path: a.jsonl\n");
    configure({ project: { dump_buffer: { path: "b.jsonl" } } });
    expect(getSettings().project.dump_buffer.path).to.equal("b.jsonl");
    expect(() => configure({ instrumentation: { enabled: "no" as unknown as boolean } })).to.throw(/instrumentation\.enabled/);
  });
  it("reads Flowcept's log block, checking its levels (an unknown level is an error naming the key)", () => {
    writeSettings("log:\n  log_stream_level: ERROR\n  log_file_level: debug\n  log_path: /tmp/fc.log\n");
    expect(getSettings().log).to.deep.equal({ log_stream_level: "ERROR", log_file_level: "debug", log_path: "/tmp/fc.log" });
    const file = writeSettings("log:\n  log_stream_level: loud\n");
    expect(() => getSettings()).to.throw(FlowceptSettingsError, `${file} (key "log.log_stream_level"): expected one of disable, none, critical, error, warning, warn, info, debug, verbose, all, found "loud"`);
    resetSettings();
    delete process.env.FLOWCEPT_SETTINGS_PATH;
    expect(getSettings().log).to.deep.equal({ log_path: "default", log_stream_level: "warning", log_file_level: "disable" });
    expect(getSettings().otel.exit_timeout_ms).to.equal(1000);
  });
});
