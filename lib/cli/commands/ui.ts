/**
 * `flowcept-otel ui`: serves the provenance web UI over the local store or
 * MongoDB until SIGINT/SIGTERM (or the io's abort signal).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { bufferFileFamily } from "../../../exporters/jsonl/buffer-file.js";
import { mongoDbNameFromSettings, mongoUriFromSettings } from "../../../exporters/mongo/mongo-settings.js";
import { FlowceptDb } from "../../query/FlowceptDb.js";
import { LocalQueryBackend } from "../../query/LocalQueryBackend.js";
import { MongoQueryBackend } from "../../query/MongoQueryBackend.js";
import { redactUri } from "../../records/redact.js";
import { LocalStoreFollower } from "../../ui/LocalStoreFollower.js";
import { MongoStoreFollower } from "../../ui/MongoStoreFollower.js";
import type { StoreFollower } from "../../ui/StoreFollower.js";
import { UiServer } from "../../ui/UiServer.js";
import { errorMessage } from "../../util/error-message.js";
import { CliError } from "../CliError.js";
import { asCliError, cliSettings, type CliIo, type GlobalOptions, untilStopped } from "../cli-context.js";

interface UiFlags {
  store?: string;
  mongo?: string;
  host: string;
  port: number;
  token?: string;
  open?: boolean;
  jaegerUrl?: string;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number (0-65535)");
  return n;
}

function parseUrl(v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http");
    return v;
  } catch {
    throw new InvalidArgumentError("expected an http(s) URL");
  }
}

/** Opens `url` in the desktop's browser; a failure only prints the URL. */
function openBrowser(url: string, io: CliIo): void {
  const [cmd, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => io.err(`flowcept-otel ui: could not open a browser; open ${url}\n`));
    child.unref();
  } catch {
    io.err(`flowcept-otel ui: could not open a browser; open ${url}\n`);
  }
}

/** The store the flags and settings point at, with the follower that reads it. */
function storeOf(o: UiFlags, g: GlobalOptions): { db: FlowceptDb; follower: StoreFollower } {
  if (o.store && o.mongo) throw new CliError("give either --store or --mongo, not both");
  const settings = cliSettings(g);
  const mongoUri = o.mongo ?? g.mongoUri ?? (o.store || g.bufferPath ? undefined : settings.databases.mongodb.enabled ? mongoUriFromSettings(settings) : undefined);
  if (mongoUri) {
    const dbName = g.db ?? mongoDbNameFromSettings(settings);
    return { db: new FlowceptDb({ backend: new MongoQueryBackend({ uri: mongoUri, dbName }) }), follower: new MongoStoreFollower({ uri: mongoUri, dbName }) };
  }
  const path = resolve(o.store ?? g.bufferPath ?? settings.project.dump_buffer.path);
  if ((o.store || g.bufferPath) && bufferFileFamily(path).length === 0) throw new CliError(`no local store at ${path}: the file does not exist`);
  return { db: new FlowceptDb({ backend: new LocalQueryBackend({ path }) }), follower: new LocalStoreFollower({ path }) };
}

async function serve(o: UiFlags, g: GlobalOptions, io: CliIo): Promise<void> {
  const { db, follower } = storeOf(o, g);
  const server = new UiServer({ db, follower, host: o.host, port: o.port, token: o.token, jaegerUrl: o.jaegerUrl ?? (process.env.FLOWCEPT_JAEGER_URL || undefined) });
  try {
    await server.start();
  } catch (err) {
    await server.close();
    throw new CliError(`cannot listen on ${o.host}:${o.port}: ${errorMessage(err)}`);
  }
  const store = db.backend.kind === "mongodb" ? redactUri(db.describe()) : db.describe();
  io.out(`flowcept-otel ui: ${store} at ${server.openUrl}${o.open ? "" : " (Ctrl-C to stop)"}\n`);
  if (server.tokenGenerated) io.out(`flowcept-otel ui: ${o.host} is not a loopback address, so every request needs the token above (set it with --token or FLOWCEPT_UI_TOKEN)\n`);
  if (o.open) openBrowser(server.openUrl, io);
  server.whenLoaded().then(
    () => io.err(`flowcept-otel ui: ${server.model.size} workflow(s) read; following the store: ${follower.mode}\n`),
    (err: unknown) => io.err(`flowcept-otel ui: ${errorMessage(err)}\n`),
  );
  await untilStopped(io);
  await server.close();
  io.err("flowcept-otel ui: stopped\n");
}

/** Adds `ui` to the program. */
export function addUiCommand(program: Command, io: CliIo): void {
  program
    .command("ui")
    .description("serve a read-only provenance web UI over the local store or MongoDB, live as records arrive")
    .option("--store <path>", "the local store to show (default: settings' project.dump_buffer.path)")
    .option("--mongo <uri>", "show this MongoDB instead of the local store")
    .option("--host <host>", "interface to bind; anything but a loopback address requires a token", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", parsePort, 8765)
    .option("--token <token>", "require this token (Authorization: Bearer, or ?token= once in the browser); prefer $FLOWCEPT_UI_TOKEN")
    .option("--open", "open the UI in the desktop's browser")
    .option("--jaeger-url <url>", "Jaeger's address (e.g. http://localhost:16686): links from tasks to their spans (default $FLOWCEPT_JAEGER_URL)", parseUrl)
    .addHelpText("after", "\nLive record streams (server-sent events, Last-Event-ID resume): /api/v1/stream/tasks and /api/v1/stream/workflows.")
    .action(async (o: UiFlags, cmd: Command) => {
      try {
        await serve(o, cmd.optsWithGlobals<GlobalOptions>(), io);
      } catch (err) {
        throw asCliError(err);
      }
    });
}
