import { expect } from "chai";
import { collectMachineInfo } from "../../../lib/telemetry/machine-info.js";
import { REDACTED } from "../../../lib/records/redact.js";
import { expectCleanExit, runNode, TELEMETRY_MODULE } from "./run-node.js";

const SECRETS = {
  DB_PASSWORD: "fake-db-password-1",
  PGPASSWORD: "fake-pg-password-2",
  GITHUB_TOKEN: "fake-github-token-3",
  AWS_SECRET_ACCESS_KEY: "fake-aws-secret-4",
  OPENAI_API_KEY: "fake-openai-key-5",
  HARMLESS_LOOKING: "ghp_0123456789abcdefghijABCDEFGHIJ",
  MONGO_URI: "mongodb://alice:fake-uri-password-6@db.example:27017/flowcept",
};

describe("collectMachineInfo", function () {
  this.timeout(20_000);

  it("describes the machine with no secret values, in a child with fake secrets", async () => {
    const r = await runNode(
      `import { collectMachineInfo } from ${JSON.stringify(TELEMETRY_MODULE)};
console.log(JSON.stringify(await collectMachineInfo({ telemetry_capture: { machine_info: true, gpu: null } })));`,
      {
        env: { ...process.env, ...SECRETS, PLAIN_SETTING: "visible-value", GIT_AUTHOR_NAME: "Alice" },
        args: ["--db-password=fake-argv-password-7", "--token", "fake-argv-token-8"],
      },
    );
    const stdout = expectCleanExit(r, "machine_info kept the process alive");
    for (const secret of [...Object.values(SECRETS), "fake-argv-password-7", "fake-argv-token-8"]) {
      expect(stdout, secret).not.to.include(secret);
    }
    const info = JSON.parse(stdout) as Record<string, any>;
    const env = info.environment as Record<string, string>;
    for (const name of ["DB_PASSWORD", "PGPASSWORD", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "HARMLESS_LOOKING"]) {
      expect(env[name], name).to.equal(REDACTED);
    }
    expect(env.MONGO_URI).to.equal(`mongodb://alice:${REDACTED}@db.example:27017/flowcept`);
    expect(env.PLAIN_SETTING).to.equal("visible-value");
    expect(env.GIT_AUTHOR_NAME).to.equal("Alice");
    expect(info.process.cmd_line).to.include(`--db-password=${REDACTED}`);

    for (const k of ["system", "node", "release", "version", "machine"]) expect(info.platform[k], k).to.be.a("string");
    expect(info.cpu.count).to.be.a("number").above(0);
    expect(info.cpu.brand_raw).to.be.a("string");
    expect(info.memory.virtual.total).to.be.a("number").above(0);
    expect(info.memory.swap).to.be.an("object");
    expect(info.disk).to.include.keys("total", "used", "free", "percent");
    expect(info.network).to.be.an("object");
    expect(info.hostname).to.be.a("string");
    expect(info.process.pid).to.be.a("number");
    expect(info.runtime).to.include({ name: "node", version: process.version });
    expect(info).not.to.have.key("gpu");
  });

  it("names the parts it could not collect instead of failing", async () => {
    const info = await collectMachineInfo(
      { telemetry_capture: { gpu: ["used"] }, sys_metadata: { login_name: "configured-login", hostname: "configured-host" } },
      { nvidiaSmi: "/nonexistent/nvidia-smi", env: { LANG: "C" } },
    );
    expect(info).not.to.have.key("gpu");
    expect((info.unavailable as Record<string, string>).gpu).to.include("nvidia-smi");
    expect(info.login_name).to.equal("configured-login");
    expect(info.hostname).to.equal("configured-host");
    expect(info.environment).to.deep.equal({ LANG: "C" });
  });
});
