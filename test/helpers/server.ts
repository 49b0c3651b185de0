// Starts a real socket.io server on 127.0.0.1 with an ephemeral port and stops it when the test ends.

import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "socket.io";

export interface TestServer {
  /** e.g. "http://127.0.0.1:40123" */
  url: string;
  port: number;
  io: Server;
  http: HttpServer;
  /** Closes the socket.io server and every open connection; safe to call twice. */
  close(): Promise<void>;
}

interface TeardownContext {
  after(fn: () => unknown): void;
}

export async function startServer(
  t: TeardownContext | undefined,
  opts: Partial<ServerOptions> & { port?: number } = {},
): Promise<TestServer> {
  const { port: wanted = 0, ...serverOpts } = opts;
  const http = createServer();
  const io = new Server(http, serverOpts);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(wanted, "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const server: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    io,
    http,
    close() {
      closed ??= new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections?.();
      });
      return closed;
    },
  };
  t?.after(() => server.close());
  return server;
}
