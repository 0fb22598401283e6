/**
 * `@opentelemetry/instrumentation`, an optional peer that only the library
 * instrumentations (MCP, TF.js, piscina) need. Their classes extend its
 * `InstrumentationBase` when it is installed; without it they still load
 * (so does everything else in the package), and creating one throws a
 * {@link MissingPeerError} that names the package.
 */
import type * as Otel from "@opentelemetry/instrumentation";
import { MissingPeerError, optionalPeer } from "../lib/util/optional-peer.js";

/** The package the library instrumentations are built on. */
export const INSTRUMENTATION_PACKAGE = "@opentelemetry/instrumentation";

let loadError: unknown;
let otel: typeof Otel | undefined;
try {
  otel = optionalPeer<typeof Otel>(INSTRUMENTATION_PACKAGE, "The library instrumentations")();
} catch (err) {
  // Kept for the first instrumentation created: loading this module must never fail.
  loadError = err;
}

/** The package's exports; throws a {@link MissingPeerError} naming `feature` when it is not installed. */
export function instrumentationPackage(feature: string): typeof Otel {
  if (otel) return otel;
  throw loadError instanceof MissingPeerError ? new MissingPeerError(INSTRUMENTATION_PACKAGE, feature) : loadError;
}

/** Stands in for the package's classes when it is not installed: creating one says what to install. */
abstract class NotInstalled {
  constructor() {
    instrumentationPackage(new.target.name);
  }
}

/** `InstrumentationBase` of the package (a class that cannot be created when it is missing). */
export const InstrumentationBase = (otel?.InstrumentationBase ?? NotInstalled) as typeof Otel.InstrumentationBase;
/** `InstrumentationNodeModuleDefinition` of the package. */
export const InstrumentationNodeModuleDefinition = (otel?.InstrumentationNodeModuleDefinition ?? NotInstalled) as typeof Otel.InstrumentationNodeModuleDefinition;
/** `InstrumentationNodeModuleFile` of the package. */
export const InstrumentationNodeModuleFile = (otel?.InstrumentationNodeModuleFile ?? NotInstalled) as typeof Otel.InstrumentationNodeModuleFile;
export type InstrumentationNodeModuleDefinition = Otel.InstrumentationNodeModuleDefinition;
export type { InstrumentationConfig } from "@opentelemetry/instrumentation";
