/**
 * `flowcept-otel/query`: the query backends behind `FlowceptDb` (the local
 * store with mingo, MongoDB with the official driver), for programs that
 * build one directly. Kept out of the package entry, which loads them only
 * when a query runs.
 */
export { LocalQueryBackend } from "./LocalQueryBackend.js";
export type { LocalQueryBackendOptions } from "./LocalQueryBackend.js";
export { MongoQueryBackend, fromMongoDocument } from "./MongoQueryBackend.js";
export type { MongoQueryBackendOptions } from "./MongoQueryBackend.js";
