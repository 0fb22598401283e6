/**
 * A TCP proxy on 127.0.0.1 for fault tests: forwards every connection to a
 * port, and can hold what clients send after a number of bytes (`hold`) so
 * that the server behind it can be killed while a request is under way.
 * When the server side closes, the client side is reset, as a dead server's
 * would be.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  /** Bytes still passed on before what clients send is held; undefined: everything is passed. */
  private budget: number | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly targetPort: number) {}

  /** Listens on an ephemeral port; returns it. */
  async start(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  /** From now on, passes `bytes` more bytes from clients and holds the rest (dropped when the connection ends). */
  hold(bytes: number): void {
    this.budget = bytes;
  }

  /** Passes everything again. */
  release(): void {
    this.budget = undefined;
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, "127.0.0.1");
    this.sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      if (this.budget === undefined) {
        upstream.write(chunk);
        return;
      }
      const part = chunk.subarray(0, Math.max(0, this.budget));
      this.budget -= part.length;
      if (part.length) upstream.write(part);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      if (!client.destroyed) client.resetAndDestroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    upstream.on("close", end);
    upstream.on("error", end);
    client.on("error", end);
    client.on("close", end);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
