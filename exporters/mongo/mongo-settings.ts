/** Where MongoDB is, from settings (`databases.mongodb.*`; `FLOWCEPT_MONGO_URI` maps to `uri`). */
import type { FlowceptSettings } from "../../lib/settings/settings.js";

/** The connection string: `databases.mongodb.uri`, else `mongodb://<host>:<port>`. */
export function mongoUriFromSettings(settings: FlowceptSettings): string {
  const m = settings.databases.mongodb;
  return m.uri ?? `mongodb://${m.host}:${m.port}`;
}

/** The database name (`databases.mongodb.db`, default `flowcept`). */
export function mongoDbNameFromSettings(settings: FlowceptSettings): string {
  return settings.databases.mongodb.db || "flowcept";
}

