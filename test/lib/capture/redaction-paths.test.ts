import { expect } from "chai";
import { readFileSync } from "node:fs";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { lightweightFlowceptTask } from "../../../lib/capture/lightweight-task.js";
import { FlowceptTask } from "../../../lib/capture/FlowceptTask.js";
import { redactArgv, redactEnvironment, REDACTED } from "../../../lib/records/redact.js";
import { useTempStore } from "../../support/temp-store.js";

const URI = "postgres://app:hunter2@db:5432/prod";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
const GHP = "ghp_0123456789abcdefghijABCDEFGHIJ";
const SECRETS = ["hunter2", "s3ss10n", "pw-123", JWT, GHP, "abc.def.ghi", "Passw0rd!", "acme-secret-value"];

describe("secrets are redacted on every value path", () => {
  const store = useTempStore({
    extra_metadata: { db: URI, note: `deployed with ${GHP}` },
    databases: { mongodb: { uri: "mongodb://root:Passw0rd!@mongo:27017" } },
    redaction: { key_patterns: ["^acme_"], value_patterns: [] },
  });

  it("used, generated, workflowArgs, customMetadata, extra_metadata, stdout/stderr, settings, errors", async () => {
    const login = flowceptTask({ customMetadata: { conn: URI } }, function login(user: string, pwd: string, sessionId: string) {
      return { user, token_hint: `Bearer ${JWT}`, connection: "Server=x;Password=hunter2;" };
    });
    const light = lightweightFlowceptTask(function lightLogin(url: string, acme_key: string) {
      return { url, auth: "Bearer abc.def.ghi" };
    });
    const failing = flowceptTask(function failing() {
      throw new Error(`cannot reach ${URI}`);
    });
    const lightFailing = lightweightFlowceptTask(function lightFailing() {
      throw new Error(`cannot reach ${URI}`);
    });
    await Flowcept.run({ workflowArgs: { db: URI, api_token: "pw-123" }, customMetadata: { hint: `token ${GHP}` } }, () => {
      login("ana", "hunter2", "s3ss10n");
      light(URI, "acme-secret-value");
      expect(() => failing()).to.throw(/hunter2/);
      expect(() => lightFailing()).to.throw(/hunter2/);
      new FlowceptTask({ activityId: "custom", used: { creds: "pw-123" } }).end({ stdout: `connected to ${URI}`, stderr: `retry with ${GHP}` });
    });
    const text = readFileSync(store.path, "utf8");
    for (const s of SECRETS) expect(text, s).to.not.include(s);
    const tasks = await store.tasks();
    const t = tasks.find((r) => r.activity_id === "login")!;
    expect(t.used).to.deep.equal({ user: "ana", pwd: REDACTED, sessionId: REDACTED });
    expect(t.generated).to.deep.equal({ user: "ana", token_hint: REDACTED, connection: `Server=x;Password=${REDACTED};` });
    expect(t.custom_metadata).to.deep.equal({ conn: `postgres://app:${REDACTED}@db:5432/prod` });
    expect(tasks.find((r) => r.activity_id === "lightLogin")!.used).to.deep.equal({ url: `postgres://app:${REDACTED}@db:5432/prod`, acme_key: REDACTED });
    expect(tasks.find((r) => r.activity_id === "failing")!.stderr).to.include(`app:${REDACTED}@db`);
    expect(tasks.find((r) => r.activity_id === "lightFailing")!.stderr).to.include(`app:${REDACTED}@db`);
    const c = tasks.find((r) => r.activity_id === "custom")!;
    expect(c.stdout).to.equal(`connected to postgres://app:${REDACTED}@db:5432/prod`);
    expect(c.stderr).to.equal(`retry with ${REDACTED}`);
    const [wf] = await store.workflows();
    expect(wf!.used).to.deep.equal({ db: `postgres://app:${REDACTED}@db:5432/prod`, api_token: REDACTED });
    expect(wf!.custom_metadata).to.deep.equal({ hint: `token ${REDACTED}` });
    expect(JSON.stringify(wf!.flowcept_settings)).to.include(`mongodb://root:${REDACTED}@mongo:27017`);
    expect(wf!.extra_metadata).to.deep.equal({ db: `postgres://app:${REDACTED}@db:5432/prod`, note: `deployed with ${REDACTED}` });
  });

  it("environment variables and command lines", () => {
    expect(redactEnvironment({ PGPASS: "hunter2", MY_CREDS: "pw-123", DATABASE_URL: URI, PWD: "/home/ana" })).to.deep.equal({
      PGPASS: REDACTED,
      MY_CREDS: REDACTED,
      DATABASE_URL: `postgres://app:${REDACTED}@db:5432/prod`,
      PWD: "/home/ana",
    });
    expect(redactArgv(["node", "app.js", `--header=Authorization: Bearer ${JWT}`, "--conn", "Server=x;Password=hunter2"])).to.deep.equal([
      "node",
      "app.js",
      `--header=Authorization: Bearer ${REDACTED}`,
      "--conn",
      `Server=x;Password=${REDACTED}`,
    ]);
  });
});
