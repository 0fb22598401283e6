/**
 * The peers `build-peers.sh` built: where each program is, or why it is
 * missing. A suite that needs a missing peer is skipped with that reason,
 * unless FLOWCEPT_OTEL_REQUIRE_PEERS=1 (CI on the project's machines), where
 * it fails instead.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The programs the integration suites run against. */
export type PeerName = "otelcol" | "jaeger" | "flowcept" | "standards" | "runcrate" | "chromium";

/** The cache `build-peers.sh` builds into. */
export const PEER_CACHE = process.env.FLOWCEPT_OTEL_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "flowcept-otel");

type Manifest = Partial<Record<PeerName, { program?: string; error?: string }>>;

function manifest(): Manifest {
  const path = join(PEER_CACHE, "peers.json");
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, "utf8")) as Manifest;
}

/**
 * The peer's program, or the reason it cannot be had. `FLOWCEPT_OTEL_<NAME>`
 * (e.g. `FLOWCEPT_OTEL_JAEGER=/opt/jaeger/jaeger`, a release binary with the UI)
 * names a program to use instead of the one built.
 */
export function findPeer(name: PeerName): { program: string } | { missing: string } {
  const override = process.env[`FLOWCEPT_OTEL_${name.toUpperCase()}`];
  if (override) return existsSync(override) ? { program: override } : { missing: `FLOWCEPT_OTEL_${name.toUpperCase()}=${override} does not exist` };
  const entry = manifest()[name];
  if (entry?.program && existsSync(entry.program)) return { program: entry.program };
  return { missing: entry?.error ?? `${name} is not built (run: bash test/integration/peers/build-peers.sh ${name})` };
}

/**
 * Registers a `before` hook that resolves the peers a suite needs: their
 * programs by name, or the suite is skipped (or fails, when peers are required).
 */
export function usePeers(...names: PeerName[]): Record<PeerName, string> {
  const programs = {} as Record<PeerName, string>;
  before(function () {
    for (const name of names) {
      const found = findPeer(name);
      if ("program" in found) {
        programs[name] = found.program;
        continue;
      }
      if (process.env.FLOWCEPT_OTEL_REQUIRE_PEERS === "1") throw new Error(`required peer missing: ${found.missing}`);
      process.stdout.write(`      skipped: ${found.missing}\n`);
      this.skip();
    }
  });
  return programs;
}
