import { expect } from "chai";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configure, getSettings, getSettingsSafe, resetSettings } from "../../../lib/settings/settings-loader.js";
import { FlowceptSettingsError } from "../../../lib/settings/settings.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";

describe("settings checks: typos, ranges, and an invalid file that stays invalid", () => {
  const saved = process.env.FLOWCEPT_SETTINGS_PATH;
  let logged: string[] = [];
  beforeEach(() => {
    logged = [];
    const keep = (m: string): void => void logged.push(m);
    diag.setLogger({ error: keep, warn: keep, info: keep, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  });
  afterEach(() => {
    diag.disable();
    if (saved === undefined) delete process.env.FLOWCEPT_SETTINGS_PATH;
    else process.env.FLOWCEPT_SETTINGS_PATH = saved;
    resetSettings();
  });

  function writeSettings(text: string): string {
    const file = join(mkdtempSync(join(tmpdir(), "fc-settings-")), "settings.yaml");
    writeFileSync(file, text);
    process.env.FLOWCEPT_SETTINGS_PATH = file;
    resetSettings();
    return file;
  }

  it("warns about a misspelt key, naming it and the closest known key", () => {
    const file = writeSettings("project:\n  dump_bufer:\n    path: mine.jsonl\ntelemetry_captur:\n  cpu: true\n");
    const s = getSettings();
    expect(s.project.dump_buffer.path).to.equal("flowcept_buffer.jsonl");
    expect(logged).to.have.length(2);
    expect(logged[0]).to.contain(file).and.contain('"project.dump_bufer"').and.contain('did you mean "project.dump_buffer"?');
    expect(logged[1]).to.contain('"telemetry_captur"').and.contain('did you mean "telemetry_capture"?');
  });

  it("names the closest known key even for a key far from every known one", () => {
    writeSettings("databases:\n  mongodb:\n    zzzzzz: 1\n");
    getSettings();
    expect(logged).to.have.length(1);
    expect(logged[0]).to.match(/unknown settings key "databases\.mongodb\.zzzzzz" has no effect \(the closest known key is "databases\.mongodb\.\w+"\)/);
  });

  it("accepts a Flowcept settings file's keys that this package does not use, silently", () => {
    writeSettings(
      "flowcept_version: 0.9.1\nproject:\n  json_serializer: default\n  db_flush_mode: online\nlog:\n  log_path: default\nmq:\n  type: redis\nkv_db:\n  host: localhost\n" +
        "web_server:\n  port: 5000\nagent:\n  enabled: false\nanalytics:\n  sort_orders: {}\ninstrumentation:\n  torch:\n    what: parent_only\n" +
        "databases:\n  lmdb:\n    enabled: true\n  mongodb:\n    bin: /usr/bin/mongod\nextra_metadata:\n  anything: 1\nsys_metadata:\n  cluster: frontier\nadapters:\n  mine:\n    kind: mlflow\n",
    );
    getSettings();
    expect(logged).to.deep.equal([]);
  });

  it("refuses values that cannot work and names the key", () => {
    for (const [yaml, key, expected] of [
      ["project:\n  max_value_bytes: -5\n", "project.max_value_bytes", "a positive integer"],
      ["telemetry_capture:\n  interval_ms: 0\n", "telemetry_capture.interval_ms", "a number ≥ 1"],
      ["databases:\n  mongodb:\n    port: 0\n", "databases.mongodb.port", "a positive integer"],
      ["db_buffer:\n  buffer_size: 1.5\n", "db_buffer.buffer_size", "a positive integer"],
      ["instrumentation:\n  model:\n    what: everything\n", "instrumentation.model.what", "one of parent_only, parent_and_children"],
    ] as const) {
      const file = writeSettings(yaml);
      expect(() => getSettings(), yaml).to.throw(FlowceptSettingsError).with.property("message").that.contains(file).and.contains(`"${key}"`).and.contains(expected);
    }
    expect(() => configure({ project: { max_value_bytes: -5 } })).to.throw(FlowceptSettingsError, /configure\(\) \(key "project\.max_value_bytes"\): expected a positive integer, found -5/);
  });

  it("warns about values that work badly", () => {
    writeSettings("telemetry_capture:\n  interval_ms: 10\nproject:\n  max_value_bytes: 100\n");
    const s = getSettings();
    expect(s.telemetry_capture.interval_ms).to.equal(10);
    expect(logged.join("\n")).to.contain('"telemetry_capture.interval_ms" is 10, below 50').and.contain('"project.max_value_bytes" is 100, below 1024');
  });

  it("an invalid file is never replaced by defaults: a task call or configure() before start() leaves the error in place", () => {
    const file = writeSettings("databases:\n  mongodb:\n    enabled: yes please\n");
    // capture paths keep working, on defaults
    expect(flowceptTask(function addOne(x: number) {
      return x + 1;
    })(1)).to.equal(2);
    expect(getSettingsSafe().databases.mongodb.enabled).to.equal(false);
    configure({ project: { max_depth: 10 } });
    expect(getSettingsSafe().project.max_depth).to.equal(10);
    // ...but whoever asks for the settings (start(), the CLI) still gets the error, every time
    expect(() => getSettings()).to.throw(FlowceptSettingsError, file);
    expect(() => getSettings()).to.throw(FlowceptSettingsError, /databases\.mongodb\.enabled/);
    const reported = logged.filter((m) => m.includes("capture uses default settings")).length;
    expect(reported).to.be.greaterThan(0);
    for (let i = 0; i < 3; i++) getSettingsSafe();
    expect(logged.filter((m) => m.includes("capture uses default settings"))).to.have.length(reported);
  });
});
