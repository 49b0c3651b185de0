// A real socket.io server that also offers WebTransport (a test helper, not a product). socket.io 4.8 speaks
// Engine.IO over WebTransport itself (`io.engine.onWebTransportSession()`), but the HTTP/3 server it expects
// (@fails-components/webtransport) cannot be installed here. Deno can terminate HTTP/3 WebTransport
// (`--unstable-net`), so test/helpers/deno/webtransport-relay.mjs accepts the sessions on UDP and hands each
// one's bidirectional stream over TCP to this side, which gives it to socket.io as a session object. The
// WebTransport handshake, upgrade and heartbeat are then socket.io's own.
//
// The certificate is a self-signed ECDSA P-256 one valid for 10 days, so that Chromium accepts it through
// `serverCertificateHashes` (which demands ECDSA and at most 14 days of validity).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Socket as NetSocket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerOptions } from "socket.io";
import { startChild, type TeardownContext } from "./interop/processes";
import { startServer, type TestServer } from "./server";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The Deno binary of the `deno` npm package (its postinstall puts it beside its launcher). */
export function denoPath(): string {
  for (const candidate of [
    process.env.DENO_PATH,
    join(root, "node_modules/deno/deno"),
    join(root, "node_modules/@deno/linux-x64-glibc/bin/deno"),
    join(root, "node_modules/@deno/linux-x64-glibc/deno"),
  ]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error("the deno binary is missing: run `npm ci` (it comes with the `deno` devDependency)");
}

export interface WebTransportCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, for `serverCertificateHashes`. */
  hash: Uint8Array;
}

export function makeWebTransportCertificate(t: TeardownContext): WebTransportCertificate {
  const dir = mkdtempSync(join(tmpdir(), "siolink-wt-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "10",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", "key.pem", "-out", "cert.pem",
  ], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const cert = readFileSync(join(dir, "cert.pem"), "utf8");
  const key = readFileSync(join(dir, "key.pem"), "utf8");
  const der = execFileSync("openssl", ["x509", "-in", "cert.pem", "-outform", "der"], { cwd: dir });
  const digest = execFileSync("openssl", ["dgst", "-sha256", "-binary"], { input: der });
  return { cert, key, hash: new Uint8Array(digest) };
}

export interface WebTransportServer extends TestServer {
  certificate: WebTransportCertificate;
  /** The UDP port WebTransport listens on: the HTTP port (clients use the same host and port for both). */
  udpPort: number;
  /** WebTransport sessions socket.io received so far. */
  readonly sessions: number;
}

/**
 * A session object as engine.io's `onWebTransportSession()` reads it: one incoming bidirectional stream, a
 * `closed` promise and `close()`, over the relay's TCP connection (whose first line is the session's URL).
 */
function sessionOver(socket: NetSocket, rest: Buffer) {
  let closedResolve!: () => void;
  const closed = new Promise<void>((done) => (closedResolve = done));
  socket.once("close", () => closedResolve());
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length > 0) controller.enqueue(new Uint8Array(rest));
      socket.on("data", (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk)));
      socket.once("close", () => {
        try {
          controller.close();
        } catch {
          // Already cancelled by the reader.
        }
      });
    },
    cancel() {
      socket.destroy();
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((done, fail) => socket.write(chunk, (error) => (error ? fail(error) : done())));
    },
    close() {
      socket.end();
    },
    abort() {
      socket.destroy();
    },
  });
  return {
    incomingBidirectionalStreams: new ReadableStream({
      start(controller) {
        controller.enqueue({ readable, writable });
      },
    }),
    closed,
    close() {
      socket.destroy();
    },
  };
}

/**
 * Starts socket.io on 127.0.0.1 (polling, WebSocket and WebTransport) and the Deno relay on the same port
 * number over UDP. `webtransport: false` leaves UDP unserved (the server still lists the transport in its
 * upgrades): what a client sees when UDP is blocked.
 */
export async function startWebTransportServer(
  t: TeardownContext,
  opts: Partial<ServerOptions> & { webtransport?: boolean } = {},
): Promise<WebTransportServer> {
  const { webtransport = true, ...serverOpts } = opts;
  const server = await startServer(t, { transports: ["polling", "websocket", "webtransport"], ...serverOpts });
  const certificate = makeWebTransportCertificate(t);
  let sessions = 0;
  const sockets = new Set<NetSocket>();
  const bridge = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(10);
      if (newline === -1) return;
      socket.off("data", onData);
      sessions++;
      const session = sessionOver(socket, head.subarray(newline + 1));
      (server.io.engine as unknown as { onWebTransportSession(session: unknown): void }).onWebTransportSession(session);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((done) => bridge.listen(0, "127.0.0.1", () => done()));
  t.after(
    () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        bridge.close(() => done());
      }),
  );

  if (webtransport) {
    const config = {
      hostname: "127.0.0.1",
      port: server.port,
      cert: certificate.cert,
      key: certificate.key,
      target: (bridge.address() as AddressInfo).port,
    };
    const relay = await startChild(t, {
      name: "deno webtransport relay",
      command: denoPath(),
      args: ["run", "-A", "--unstable-net", join(root, "test/helpers/deno/webtransport-relay.mjs"), JSON.stringify(config)],
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      ready: /^listening \d+/,
    });
    t.after(() => relay.kill("SIGTERM"));
  }
  return {
    ...server,
    certificate,
    udpPort: server.port,
    get sessions() {
      return sessions;
    },
  };
}

/** Re-cuts a byte stream into chunks of `size` bytes, so framing is read across every possible split. */
function rechunk(size: number): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.length; at += size) controller.enqueue(chunk.slice(at, at + size));
    },
  });
}

/**
 * A WebTransport class for Node that reaches `server` in-process: each instance hands socket.io a session
 * whose bidirectional stream carries the bytes both ways re-cut into `chunkSize`-byte chunks. Pass it as
 * `transportOptions.webtransport.WebTransport`.
 */
export function inProcessWebTransport(server: TestServer, chunkSize: number) {
  const engine = server.io.engine as unknown as { onWebTransportSession(session: unknown): void };
  return class InProcessWebTransport {
    readonly ready: Promise<void> = Promise.resolve();
    readonly closed: Promise<{ closeCode: number; reason: string }>;
    readonly url: string;
    #close!: (info: { closeCode: number; reason: string }) => void;
    #streams: Array<WritableStream<Uint8Array> | ReadableStream<Uint8Array>> = [];

    constructor(url: string) {
      this.url = url;
      this.closed = new Promise((resolve) => (this.#close = resolve));
    }

    async createBidirectionalStream() {
      const up = rechunk(chunkSize);
      const down = rechunk(chunkSize);
      this.#streams.push(up.writable, down.readable);
      const close = (): void => this.close();
      engine.onWebTransportSession({
        incomingBidirectionalStreams: new ReadableStream({
          start(controller) {
            controller.enqueue({ readable: up.readable, writable: down.writable });
          },
        }),
        closed: this.closed,
        close,
      });
      return { readable: down.readable, writable: up.writable };
    }

    close(info = { closeCode: 0, reason: "" }): void {
      this.#close(info);
      for (const stream of this.#streams) {
        if (stream instanceof WritableStream) stream.abort().catch(() => {});
        else stream.cancel().catch(() => {});
      }
    }
  };
}
