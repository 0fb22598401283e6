import { expect } from "chai";
import { isSecretName, redactArgv, redactEnvironment, redactValue, REDACTED } from "../../../lib/records/redact.js";

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
