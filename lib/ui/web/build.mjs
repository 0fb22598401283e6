#!/usr/bin/env node
// Builds the web front end into dist/ui/ (type check, Vite), then gzips each
// asset in place of the original: the server sends the compressed files as
// they are, which keeps the installed package small. Skipped when the
// sources and the lockfile are unchanged since the last build.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../../..");
const out = join(root, "dist/ui");
const stamp = join(out, ".source-hash");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const hash = createHash("sha256");
for (const f of [...files(here), join(here, "../api-types.ts"), join(root, "package-lock.json")].sort()) {
  if (f.includes("node_modules")) continue;
  hash.update(relative(root, f)).update(readFileSync(f));
}
const digest = hash.digest("hex");
if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest && existsSync(join(out, "index.html"))) process.exit(0);

execFileSync(process.execPath, [join(root, "node_modules/typescript-native/bin/tsc"), "-p", join(here, "tsconfig.json")], { stdio: "inherit" });
const { build } = await import("vite");
await build({ configFile: join(here, "vite.config.ts") });

let raw = 0;
let packed = 0;
for (const f of files(out)) {
  if (!/\.(js|css)$/.test(f)) continue;
  const body = readFileSync(f);
  const gz = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${f}.gz`, gz);
  rmSync(f);
  raw += body.length;
  packed += gz.length;
}
writeFileSync(stamp, digest);
const total = files(out).reduce((n, f) => n + statSync(f).size, 0);
// stderr: `npm pack --json` runs this (prepack) and its stdout must stay JSON.
console.error(`web front end: ${(raw / 1024).toFixed(0)} KiB of scripts and styles, ${(packed / 1024).toFixed(0)} KiB gzipped; dist/ui holds ${(total / 1024).toFixed(0)} KiB`);
