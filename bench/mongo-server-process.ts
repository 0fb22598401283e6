/**
 * Runs the MongoDB wire-protocol test server in its own process, so that a
 * benchmark's client and server do not share one event loop. Prints the
 * port, then serves until stdin closes.
 */
import { MongoWireServer } from "../test/support/MongoWireServer.js";

const server = await new MongoWireServer().start();
process.stdout.write(`${server.port}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void server.stop().then(() => process.exit(0));
});
