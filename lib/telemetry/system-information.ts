import { optionalPeerImport } from "../util/optional-peer.js";

/**
 * The `systeminformation` package, an optional peer: telemetry probes where
 * `/proc` is not available (macOS, Windows) and the CPU, OS and disk details
 * of `machine_info`. Linux telemetry reads `/proc` and needs it not.
 */
export const loadSystemInformation = optionalPeerImport("systeminformation", "telemetry without /proc and machine_info's CPU, OS and disk details", () => import("systeminformation"));
