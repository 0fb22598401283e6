/**
 * Who may use the UI server. Bound to a loopback address, anyone on this
 * machine may (as with Jupyter's or TensorBoard's local servers), unless a
 * token is given. Bound elsewhere a token is required — given, from
 * `FLOWCEPT_UI_TOKEN`, or made at start and printed — and is accepted as
 * `Authorization: Bearer <token>`, as `?token=` (a page opened with it gets
 * an HttpOnly, SameSite=Strict cookie and is sent on without it), or as that
 * cookie. On loopback without a token, the `Host` header must name a
 * loopback host, so a web page elsewhere cannot reach the server by DNS
 * rebinding. No answer carries a CORS header: other origins cannot read it.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** The cookie the token is kept in after a page is opened with `?token=`. */
export const TOKEN_COOKIE = "flowcept_ui_token";

/** Whether `host` (an address or name to bind) is a loopback one. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** The token the server requires: the one given, else `FLOWCEPT_UI_TOKEN`, else a new one when `host` is not loopback. */
export function resolveToken(host: string, given: string | undefined, env: NodeJS.ProcessEnv = process.env): { token: string | undefined; generated: boolean } {
  const token = given || env.FLOWCEPT_UI_TOKEN || undefined;
  if (token !== undefined) return { token, generated: false };
  if (isLoopback(host)) return { token: undefined, generated: false };
  return { token: randomBytes(24).toString("base64url"), generated: true };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** How a request presented the token. */
export type Presented = "header" | "query" | "cookie" | undefined;

/** Checks requests against the token rule. */
export class UiAccess {
  private readonly digest: Buffer | undefined;

  constructor(
    readonly token: string | undefined,
    private readonly loopback: boolean,
  ) {
    this.digest = token === undefined ? undefined : digest(token);
  }

  private matches(candidate: string | undefined): boolean {
    return candidate !== undefined && this.digest !== undefined && timingSafeEqual(digest(candidate), this.digest);
  }

  /**
   * Whether `req` may be answered, and how it showed the token. Without a
   * token (loopback only) the `Host` header must name a loopback host.
   */
  check(req: IncomingMessage, url: URL): { ok: boolean; presented: Presented; reason?: string } {
    if (this.digest === undefined) {
      const host = (req.headers.host ?? "").replace(/:\d+$/, "");
      if (this.loopback && !isLoopback(host)) return { ok: false, presented: undefined, reason: `requests must name a loopback host (Host: ${host.slice(0, 100)})` };
      return { ok: true, presented: undefined };
    }
    const bearer = /^Bearer\s+(.+)$/i.exec((req.headers.authorization ?? "").trim())?.[1];
    if (bearer !== undefined) return this.matches(bearer) ? { ok: true, presented: "header" } : { ok: false, presented: undefined, reason: "wrong token" };
    const query = url.searchParams.get("token");
    if (query !== null) return this.matches(query) ? { ok: true, presented: "query" } : { ok: false, presented: undefined, reason: "wrong token" };
    if (this.matches(cookie(req, TOKEN_COOKIE))) return { ok: true, presented: "cookie" };
    return { ok: false, presented: undefined, reason: "this server requires a token (Authorization: Bearer <token>, or open the URL printed at start)" };
  }

  /** The cookie that keeps the token for the pages' own requests. */
  cookieHeader(): string {
    return `${TOKEN_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
