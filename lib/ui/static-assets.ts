/**
 * The web front end's files, built when the package is built (`dist/ui/`)
 * and shipped compressed: each is sent as it is stored, with
 * `Content-Encoding: gzip`, or decompressed for a client that does not
 * accept gzip. Only the files found at start are served, by exact name.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/** Where the built front end is (next to `dist/lib`). */
export const UI_ASSETS_DIR = fileURLToPath(new URL("../../ui/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
};

interface Asset {
  type: string;
  body: Buffer;
  gzipped: boolean;
  immutable: boolean;
  plain?: Buffer;
}

/** The front end's files by URL path. */
export class StaticAssets {
  private readonly files = new Map<string, Asset>();

  constructor(readonly dir: string = UI_ASSETS_DIR) {
    if (!existsSync(dir)) return;
    const walk = (sub: string): void => {
      for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
        const rel = sub ? `${sub}/${e.name}` : e.name;
        if (e.isDirectory()) walk(rel);
        else if (e.isFile()) {
          const gzipped = rel.endsWith(".gz");
          const name = gzipped ? rel.slice(0, -3) : rel;
          const type = TYPES[extname(name)];
          if (!type) continue;
          this.files.set(`/${name}`, { type, body: readFileSync(join(dir, rel)), gzipped, immutable: name.startsWith("assets/") });
        }
      }
    };
    walk("");
  }

  /** Whether the front end was built. */
  get available(): boolean {
    return this.files.has("/index.html");
  }

  /** Answers `path` when it is one of the files; false otherwise. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const asset = this.files.get(path === "/" ? "/index.html" : path);
    if (!asset) return false;
    const headers: Record<string, string> = {
      "content-type": asset.type,
      "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "accept-encoding",
    };
    let body = asset.body;
    if (asset.gzipped) {
      if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) headers["content-encoding"] = "gzip";
      else body = asset.plain ??= gunzipSync(asset.body);
    }
    headers["content-length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }
}
