/**
 * Who may use the UI server: anyone on loopback (naming a loopback host),
 * a token everywhere else — by header, by `?token=` once (then a cookie),
 * never by a wildcard CORS header. And the front end's files, served
 * compressed as shipped.
 */
import { expect } from "chai";
import { gunzipSync } from "node:zlib";
import { request } from "node:http";
import { isLoopback, resolveToken } from "../../../lib/ui/ui-access.js";
import { UiServer } from "../../../lib/ui/UiServer.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { LocalStoreFollower } from "../../../lib/ui/LocalStoreFollower.js";
import { httpGet, openSse } from "../../support/sse-client.js";
import { startUiFixture, type UiFixture } from "./ui-fixture.js";

function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("UI server: access", () => {
  it("knows loopback addresses, and makes up a token for any other", () => {
    for (const h of ["127.0.0.1", "127.4.5.6", "localhost", "::1", "[::1]", "LOCALHOST"]) expect(isLoopback(h), h).to.equal(true);
    for (const h of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.org", "127.0.0.1.example.org", "::ffff:127.0.0.1"]) expect(isLoopback(h), h).to.equal(false);
    expect(resolveToken("127.0.0.1", undefined, {})).to.deep.equal({ token: undefined, generated: false });
    expect(resolveToken("127.0.0.1", "given", {})).to.deep.equal({ token: "given", generated: false });
    expect(resolveToken("0.0.0.0", undefined, { FLOWCEPT_UI_TOKEN: "from-env" })).to.deep.equal({ token: "from-env", generated: false });
    const made = resolveToken("0.0.0.0", undefined, {});
    expect(made.generated).to.equal(true);
    expect(made.token).to.match(/^[\w-]{32}$/);
    expect(resolveToken("0.0.0.0", undefined, {}).token).to.not.equal(made.token);
    // A server bound beyond loopback (not started here) requires its token.
    const server = new UiServer({ db: new FlowceptDb({ backend: new LocalQueryBackend({ path: "/nonexistent/store.jsonl" }) }), follower: new LocalStoreFollower({ path: "/nonexistent/store.jsonl" }), host: "0.0.0.0", port: 0 });
    expect(server.tokenGenerated).to.equal(true);
    expect(server.token).to.be.a("string");
  });

  describe("on loopback without a token", () => {
    let ui: UiFixture;
    before(async () => {
      ui = await startUiFixture();
    });
    after(async () => ui.close());

    it("answers requests naming a loopback host, refuses any other Host (DNS rebinding)", async () => {
      expect((await httpGet(`${ui.base}/api/v1/workflows`)).status).to.equal(200);
      expect((await httpGet(`${ui.base}/api/v1/workflows`, { host: `localhost:${ui.server.address.port}` })).status).to.equal(200);
      const evil = await httpGet(`${ui.base}/api/v1/workflows`, { host: "attacker.example:80" });
      expect(evil.status).to.equal(403);
      expect(JSON.parse(evil.body).error).to.match(/loopback host/);
      expect((await httpGet(`${ui.base}/`, { host: "attacker.example" })).status).to.equal(403);
    });

    it("never answers with a CORS header, whatever the Origin", async () => {
      for (const path of ["/", "/api/v1/workflows", "/api/v1/status", "/api/v1/nothing"]) {
        const r = await httpGet(`${ui.base}${path}`, { origin: "https://attacker.example" });
        expect(Object.keys(r.headers).filter((h) => h.startsWith("access-control-")), path).to.deep.equal([]);
      }
      const pre = await httpGet(`${ui.base}/api/v1/workflows`, { origin: "https://attacker.example", "access-control-request-method": "GET" }, "OPTIONS");
      expect(pre.status).to.equal(405);
      expect(Object.keys(pre.headers).filter((h) => h.startsWith("access-control-"))).to.deep.equal([]);
      const s = await openSse(`${ui.base}/api/v1/stream/tasks`, { origin: "https://attacker.example" });
      expect(Object.keys(s.headers).filter((h) => h.startsWith("access-control-"))).to.deep.equal([]);
      s.close();
    });

    it("serves the built front end compressed, decompressing for clients that do not take gzip", async () => {
      const page = await getRaw(`${ui.base}/`, { "accept-encoding": "gzip, br" });
      expect(page.status).to.equal(200);
      expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
      expect(page.headers["content-security-policy"]).to.match(/script-src 'self'/);
      const html = page.body.toString("utf8");
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script, html).to.be.a("string");
      const zipped = await getRaw(`${ui.base}/${script}`, { "accept-encoding": "gzip" });
      expect(zipped.headers["content-encoding"]).to.equal("gzip");
      expect(zipped.headers["cache-control"]).to.match(/immutable/);
      const plain = await getRaw(`${ui.base}/${script}`);
      expect(plain.headers["content-encoding"]).to.equal(undefined);
      expect(plain.headers["content-type"]).to.equal("text/javascript; charset=utf-8");
      expect(gunzipSync(zipped.body).equals(plain.body)).to.equal(true);
      expect(plain.body.length).to.be.greaterThan(10_000);
    });
  });

  describe("with a token", () => {
    let ui: UiFixture;
    const token = "s3cret-token-for-tests";
    before(async () => {
      ui = await startUiFixture({ token });
    });
    after(async () => ui.close());

    it("refuses requests without it or with a wrong one, on every path", async () => {
      for (const path of ["/", "/api/v1/workflows", "/api/v1/status", "/api/v1/stream/tasks", "/assets/x.js"]) {
        const r = await httpGet(`${ui.base}${path}`);
        expect(r.status, path).to.equal(401);
        expect(r.headers["www-authenticate"]).to.match(/^Bearer/);
      }
      expect((await httpGet(`${ui.base}/api/v1/workflows`, { authorization: "Bearer wrong" })).status).to.equal(401);
      expect((await httpGet(`${ui.base}/api/v1/workflows?token=wrong`)).status).to.equal(401);
      expect((await httpGet(`${ui.base}/api/v1/workflows`, { cookie: "flowcept_ui_token=wrong" })).status).to.equal(401);
    });

    it("takes it as a bearer header, or once in the address (then a cookie the page's own requests and streams carry)", async () => {
      expect((await httpGet(`${ui.base}/api/v1/workflows`, { authorization: `Bearer ${token}` })).status).to.equal(200);
      const open = await httpGet(`${ui.base}/?token=${token}`);
      expect(open.status).to.equal(303);
      expect(open.headers.location).to.equal("/");
      const cookie = String(open.headers["set-cookie"]);
      expect(cookie).to.match(/^flowcept_ui_token=s3cret-token-for-tests; HttpOnly; SameSite=Strict; Path=\//);
      const jar = cookie.split(";")[0]!;
      expect((await httpGet(`${ui.base}/`, { cookie: jar })).status).to.equal(200);
      expect((await httpGet(`${ui.base}/api/v1/workflows`, { cookie: jar })).status).to.equal(200);
      const s = await openSse(`${ui.base}/api/v1/stream/tasks`, { cookie: jar });
      expect(s.status).to.equal(200);
      s.close();
      // The Host check is for token-less loopback servers only: with a token, the token decides.
      expect((await httpGet(`${ui.base}/api/v1/workflows`, { authorization: `Bearer ${token}`, host: "ui.example" })).status).to.equal(200);
    });
  });
});
