/** Requests to the UI server's JSON API, and its live streams. */
import { useEffect, useRef } from "preact/hooks";

/** An API answer that is an error. */
export class ApiFailure extends Error {}

/** GETs `/api/v1/<path>` and parses the JSON answer. */
export async function getJson<T>(path: string, params: Record<string, string | number | undefined | readonly string[]> = {}, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === "") continue;
    if (Array.isArray(v)) {
      if (v.length) q.set(k, v.join(","));
    } else q.set(k, String(v));
  }
  const qs = q.toString();
  const res = await fetch(`api/v1/${path}${qs ? `?${qs}` : ""}`, { signal, credentials: "same-origin", headers: { accept: "application/json" } });
  const body = (await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }))) as T & { error?: string };
  if (!res.ok) throw new ApiFailure(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** `encodeURIComponent` for ids in API paths and page addresses. */
export const enc = encodeURIComponent;

/**
 * Calls `onChange` (at most every `throttleMillis`) while records arrive on
 * the stream `path` (`stream/tasks?workflow_id=…`); with `true` when the
 * stream could not resume and everything should be loaded again.
 */
export function useLive(path: string | undefined, onChange: (reset: boolean) => void, throttleMillis = 400): void {
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => {
    if (!path) return undefined;
    const source = new EventSource(`api/v1/${path}`);
    let timer: number | undefined;
    let reset = false;
    const fire = (): void => {
      timer = undefined;
      const r = reset;
      reset = false;
      cb.current(r);
    };
    const schedule = (): void => {
      if (timer === undefined) timer = window.setTimeout(fire, throttleMillis);
    };
    source.onmessage = schedule;
    source.addEventListener("reset", () => {
      reset = true;
      schedule();
    });
    return () => {
      source.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [path, throttleMillis]);
}
