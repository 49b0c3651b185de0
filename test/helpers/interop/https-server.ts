// A real socket.io 4.8 server over HTTPS on 127.0.0.1 (free port) with the given TLS options, stopped when the
// test ends; records the subject CN of every client certificate it sees (mutual TLS).

import { createServer, type ServerOptions as HttpsOptions } from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { Server } from "socket.io";
import type { TeardownContext } from "./processes";

export interface HttpsTestServer {
  /** e.g. "https://127.0.0.1:40123" */
  url: string;
  io: Server;
  /** Subject CNs of the client certificates presented on the requests so far ("" when none was). */
  readonly peerNames: readonly string[];
}

export async function startHttpsServer(t: TeardownContext, tls: HttpsOptions): Promise<HttpsTestServer> {
  const https = createServer(tls);
  const io = new Server(https);
  const peerNames: string[] = [];
  // Registered after socket.io's own listeners (which take over "request"), so they see every request.
  const recordPeer = (req: IncomingMessage): void => {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    peerNames.push(typeof peer?.subject?.CN === "string" ? peer.subject.CN : "");
  };
  https.on("request", recordPeer);
  https.on("upgrade", recordPeer);
  io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
  });
  await new Promise<void>((resolve, reject) => {
    https.once("error", reject);
    https.listen(0, "127.0.0.1", () => resolve());
  });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        https.closeAllConnections();
      }),
  );
  return { url: `https://127.0.0.1:${(https.address() as AddressInfo).port}`, io, peerNames };
}
