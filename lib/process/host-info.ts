/** Facts about this host and process that records carry, read once. */
import { arch, hostname, networkInterfaces, platform, release, type as osType, userInfo, version as osVersion } from "node:os";

/** `os.hostname()`. */
export const HOSTNAME: string = hostname();

/** The login name, or undefined where the OS cannot tell. */
export const LOGIN_NAME: string | undefined = (() => {
  try {
    return userInfo().username || undefined;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? undefined;
  }
})();

/** `os.uname()`-like facts, with Flowcept's names. */
export const PLATFORM = {
  system: osType(),
  node: HOSTNAME,
  release: release(),
  version: (() => {
    try {
      return osVersion();
    } catch {
      return "";
    }
  })(),
  machine: arch(),
  platform: platform(),
};

/** The first non-internal IPv4 address, as Flowcept's `private_ip`. */
export function privateIp(): string | undefined {
  try {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
    }
  } catch {
    // no interfaces readable
  }
  return undefined;
}
