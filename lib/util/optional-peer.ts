/**
 * Loading of optional peer packages: libraries that only one feature needs
 * (the MongoDB driver, sql.js, protobufjs, the OTLP exporter), which an
 * application installs when it uses that feature. A missing one gives an
 * error that names the package and the feature, not a bare "Cannot find module".
 */
import { createRequire } from "node:module";

/** Thrown when a feature needs an optional peer package that is not installed. */
export class MissingPeerError extends Error {
  override readonly name = "MissingPeerError";
  constructor(
    /** The package to install. */
    readonly packageName: string,
    /** What needs it. */
    readonly feature: string,
  ) {
    super(`${feature} needs the package "${packageName}", which is not installed: npm install ${packageName}`);
  }
}

function isMissing(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (e?.code !== "MODULE_NOT_FOUND" && e?.code !== "ERR_MODULE_NOT_FOUND") return false;
  // Only the package itself: a broken install of one of its own dependencies keeps its own message.
  return typeof e.message === "string" && (e.message.includes(`'${pkg}'`) || e.message.includes(`"${pkg}"`));
}

/**
 * `pkg`, loaded on first call (synchronously: Node ≥ 20.19 `require`s ES
 * modules). Throws {@link MissingPeerError} when it is not installed.
 */
export function optionalPeer<T>(pkg: string, feature: string): () => T {
  let mod: T | undefined;
  const load = createRequire(import.meta.url);
  return () => {
    if (mod !== undefined) return mod;
    try {
      mod = load(pkg) as T;
    } catch (err) {
      if (isMissing(err, pkg)) throw new MissingPeerError(pkg, feature);
      throw err;
    }
    return mod;
  };
}

/**
 * `pkg` imported on first call, for packages that only `import()` can load
 * (ES modules with top-level await). Rejects with {@link MissingPeerError}
 * when it is not installed.
 */
export function optionalPeerImport<T>(pkg: string, feature: string, importer: () => Promise<T>): () => Promise<T> {
  let mod: Promise<T> | undefined;
  return () =>
    (mod ??= importer().catch((err: unknown) => {
      mod = undefined;
      throw isMissing(err, pkg) ? new MissingPeerError(pkg, feature) : err;
    }));
}

/** Whether `pkg` can be loaded from here. */
export function peerInstalled(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
