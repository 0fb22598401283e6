/** The MongoDB driver, an optional peer: loaded when a MongoDB store or query is first used. */
import type * as MongoDriver from "mongodb";
import { optionalPeer } from "../../lib/util/optional-peer.js";

/** The `mongodb` package; throws a `MissingPeerError` naming it when it is not installed. */
export const mongoDriver = optionalPeer<typeof MongoDriver>("mongodb", "MongoDB (databases.mongodb, --mongo-uri)");
