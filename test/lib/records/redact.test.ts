import { expect } from "chai";
import { configureRedaction, isSecretName, redactArgv, redactEnvironment, redactJson, redactValue, REDACTED } from "../../../lib/records/redact.js";

describe("redactEnvironment", () => {
  it("treats names holding passwords, tokens, keys and credentials as secret", () => {
    const secret = [
      "DB_PASSWORD", "PGPASSWORD", "MYSQL_PWD", "GITHUB_TOKEN", "npm_config__auth", "NPM_TOKEN", "AWS_SECRET_ACCESS_KEY",
      "AWS_ACCESS_KEY_ID", "OPENAI_API_KEY", "APIKEY", "STRIPE_SECRET", "GOOGLE_APPLICATION_CREDENTIALS", "HTTP_AUTH",
      "AUTHORIZATION", "OAUTH_CLIENT", "SSH_KEY", "ssh.private-key", "SENTRY_DSN", "SESSION_COOKIE", "GITLAB_PAT",
      "REDIS_PASS", "ENCRYPTION_SALT", "MY_PASSPHRASE", "JWT_SIGNING_KEY",
    ];
    const plain = ["PATH", "HOME", "PWD", "OLDPWD", "GIT_AUTHOR_NAME", "AUTHORS_FILE", "KEYBOARD_LAYOUT", "MONKEY", "LANG", "USER", "SHELL"];
    for (const n of secret) expect(isSecretName(n), n).to.equal(true);
    for (const n of plain) expect(isSecretName(n), n).to.equal(false);
  });

  it("hides URI passwords and well-known token shapes in any value", () => {
    expect(redactValue("mongodb://alice:s3cret@db:27017/x")).to.equal(`mongodb://alice:${REDACTED}@db:27017/x`);
    expect(redactValue("a=postgres://u:p@h/db,b=redis://:pw@cache:6379")).to.equal(
      `a=postgres://u:${REDACTED}@h/db,b=redis://:${REDACTED}@cache:6379`,
    );
    expect(redactValue("https://user@example.com/path"), "no password, nothing hidden").to.equal("https://user@example.com/path");
    expect(redactValue("https://example.com/a:b@c")).to.equal("https://example.com/a:b@c");
    for (const token of [
      "ghp_0123456789abcdefghijABCDEFGHIJ",
      "github_pat_0123456789abcdefghij_0123456789",
      "xoxb-1234567890-abcdefghij",
      "sk-proj-0123456789abcdefghijklmn",
      "AKIAIOSFODNN7EXAMPLE",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
      "Bearer abc.def",
      "-----BEGIN OPENSSH PRIVATE KEY-----\nabc",
    ]) {
      expect(redactValue(token), token).to.equal(REDACTED);
    }
    expect(redactValue("/usr/local/bin:/usr/bin")).to.equal("/usr/local/bin:/usr/bin");
  });

  it("returns a redacted copy and leaves variables without a value out", () => {
    const env = { DB_PASSWORD: "hunter2", MONGO_URI: "mongodb://a:b@h/d", LANG: "C.UTF-8", EMPTY: undefined };
    const out = redactEnvironment(env);
    expect(out).to.deep.equal({ DB_PASSWORD: REDACTED, MONGO_URI: `mongodb://a:${REDACTED}@h/d`, LANG: "C.UTF-8" });
    expect(env.DB_PASSWORD, "input untouched").to.equal("hunter2");
  });

  it("redacts secrets on a command line", () => {
    expect(
      redactArgv(["node", "app.js", "--db-password=hunter2", "--token", "abc123", "--verbose", "API_KEY=k", "--uri=mongodb://u:p@h/d", "--pass"]),
    ).to.deep.equal([
      "node",
      "app.js",
      `--db-password=${REDACTED}`,
      "--token",
      REDACTED,
      "--verbose",
      `API_KEY=${REDACTED}`,
      `--uri=mongodb://u:${REDACTED}@h/d`,
      "--pass",
    ]);
    expect(redactArgv(["--password", "--next"]), "a following flag is not a value").to.deep.equal(["--password", "--next"]);
  });
});

describe("the redaction rule", () => {
  afterEach(() => configureRedaction({}));

  it("treats parameter names such as pwd, sessionId, PGPASS and MY_CREDS as secret, but not the shell's PWD", () => {
    for (const n of ["pwd", "sessionId", "session_id", "PGPASS", "MY_CREDS", "dbpass", "jwt", "x-api-key"]) expect(isSecretName(n), n).to.equal(true);
    for (const n of ["PWD", "OLDPWD", "bypass", "compass", "max_tokens", "author", "session", "passage"]) expect(isSecretName(n), n).to.equal(false);
  });

  it("hides secrets inside text: URIs, tokens, Bearer credentials, connection strings, name=value", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    const cases: [string, string][] = [
      ["connect failed: mongodb://app:hunter2@db:27017/x timed out", `connect failed: mongodb://app:${REDACTED}@db:27017/x timed out`],
      ["Server=db;Database=x;User Id=sa;Password=hunter2;", `Server=db;Database=x;User Id=sa;Password=${REDACTED};`],
      ["GET /api?access_token=abc123&page=2", `GET /api?access_token=${REDACTED}&page=2`],
      ["header Authorization: Bearer abc.def.ghi sent", `header Authorization: Bearer ${REDACTED} sent`],
      ["curl -H 'authorization: bearer tok_12345678'", `curl -H 'authorization: bearer ${REDACTED}'`],
      [`token is ${jwt} ok`, `token is ${REDACTED} ok`],
      ["pushed with ghp_0123456789abcdefghijABCDEFGHIJ today", `pushed with ${REDACTED} today`],
      ['{"user":"ana","password":"hunter2"}', `{"user":"ana","password":"${REDACTED}"}`],
      ["pwd=hunter2 user=ana", `pwd=${REDACTED} user=ana`],
    ];
    for (const [input, want] of cases) expect(redactValue(input), input).to.equal(want);
    for (const plain of ["basic training", "bearer of good news", "Asia-Pacific region sales", "epoch 3: loss=0.25", "PWD=/home/ana", "12:30:45", "max_tokens=5"]) {
      expect(redactValue(plain), plain).to.equal(plain);
    }
  });

  it("redacts JSON values throughout and returns the same value when nothing is hidden", () => {
    const clean = { a: [1, "x"], b: { c: "y" } };
    expect(redactJson(clean)).to.equal(clean);
    expect(redactJson({ a: ["Bearer abc.def"], sessionId: "s-1", n: { uri: "redis://:pw@cache:6379" } })).to.deep.equal({
      a: [REDACTED],
      sessionId: REDACTED,
      n: { uri: `redis://:${REDACTED}@cache:6379` },
    });
  });

  it("is extended by settings: extra key patterns and value patterns", () => {
    expect(isSecretName("internal_ref")).to.equal(false);
    configureRedaction({ keyPatterns: ["^internal_"], valuePatterns: ["ACME-[0-9]{6}"] });
    expect(isSecretName("internal_ref")).to.equal(true);
    expect(redactValue("order ACME-123456 shipped")).to.equal(`order ${REDACTED} shipped`);
    expect(() => configureRedaction({ valuePatterns: ["("] })).to.throw(/invalid redaction pattern "\("/);
  });

  it("gets through long hostile text (a backtracking pattern would not finish within the test timeout)", () => {
    const long = `${"a".repeat(200_000)}=${"b".repeat(200_000)} ${"token".repeat(40_000)} x://${"c".repeat(100_000)}`;
    expect(redactValue(long)).to.equal(long);
    const uri = `${"x".repeat(200_000)} postgres://app:hunter2@db/x ${"y".repeat(200_000)}`;
    expect(redactValue(uri)).to.equal(uri.replace("hunter2", REDACTED));
  });
});
