// A protocol-level fake Engine.IO server (node:http + ws) for what a real server cannot stage: malformed
// handshakes, silent heartbeats, failing probes, WebSocket upgrades that hang. Plus small session helpers
// shared by the engine and transport tests.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Socket as ServerSocket } from "socket.io";
import { WebSocketServer, type WebSocket } from "ws";
import { EngineSession } from "../../src/engine/session";
import type { EngineEvents, EngineOptions, RawData } from "../../src/engine/types";

interface TeardownContext {
  after(fn: () => unknown): void;
}

/** "accept": complete the WebSocket handshake; "hang": never answer; "refuse": answer 400. */
export type UpgradeMode = "accept" | "hang" | "refuse";

export interface FakeEngineOptions {
  upgrade?: UpgradeMode;
  /** Runs for every accepted WebSocket. Default: send a valid open packet, then stay silent. */
  onWebSocket?: (ws: WebSocket, req: IncomingMessage) => void;
  /** Answers every plain HTTP request (polling). Default: 400. `body` is the full request body. */
  onHttp?: (req: IncomingMessage, res: ServerResponse, body: string) => void;
}

export interface FakeEngine {
  url: string;
  port: number;
  http: Server;
  /** Every request seen, upgrades included, as "METHOD /path?query". */
  requests: string[];
  /** Every WebSocket accepted so far. */
  sockets: WebSocket[];
  close(): Promise<void>;
}

export const defaultHandshake = {
  sid: "fake-sid",
  upgrades: [] as string[],
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxPayload: 1_000_000,
};

/** An encoded open packet; `fields` override or add handshake fields (use `undefined` to drop one). */
export function openPacket(fields: Record<string, unknown> = {}): string {
  return "0" + JSON.stringify({ ...defaultHandshake, ...fields });
}

/** Tracks every TCP connection of `http` so a teardown can destroy hanging ones. */
function trackConnections(http: Server): Set<Socket> {
  const connections = new Set<Socket>();
  http.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
  });
  return connections;
}

/**
 * Routes HTTP upgrades of `http` to our own handling instead of the Engine.IO server attached to it, so a
 * real socket.io server keeps serving polling while its WebSockets hang, are refused or misbehave.
 */
export function interceptUpgrades(
  http: Server,
  t: TeardownContext | undefined,
  options: Pick<FakeEngineOptions, "upgrade" | "onWebSocket"> & { requests?: string[] },
): { sockets: WebSocket[] } {
  const mode = options.upgrade ?? "accept";
  const wss = new WebSocketServer({ noServer: true });
  const sockets: WebSocket[] = [];
  const pending = new Set<Socket>();
  http.removeAllListeners("upgrade");
  http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    options.requests?.push(`UPGRADE ${req.url ?? ""}`);
    socket.on("error", () => {});
    if (mode === "hang") {
      pending.add(socket);
      return;
    }
    if (mode === "refuse") {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on("error", () => {});
      if (options.onWebSocket) options.onWebSocket(ws, req);
      else ws.send(openPacket());
    });
  });
  const teardown = (): void => {
    for (const socket of pending) socket.destroy();
    for (const ws of sockets) ws.terminate();
    wss.close();
  };
  // Upgraded sockets are invisible to http.close()/closeAllConnections(), and an idle one does not keep the
  // event loop alive: release them as soon as the server starts closing, or its close would wait forever.
  const close = http.close.bind(http);
  http.close = ((callback?: (error?: Error) => void) => {
    teardown();
    return close(callback);
  }) as typeof http.close;
  t?.after(teardown);
  return { sockets };
}

export async function startFakeEngine(t: TeardownContext | undefined, options: FakeEngineOptions = {}): Promise<FakeEngine> {
  const requests: string[] = [];
  const http = createServer((req, res) => {
    requests.push(`${req.method ?? "?"} ${req.url ?? ""}`);
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (options.onHttp) options.onHttp(req, res, body);
      else res.writeHead(400).end();
    });
  });
  const connections = trackConnections(http);
  const { sockets } = interceptUpgrades(http, undefined, { ...options, requests });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const engine: FakeEngine = {
    url: `http://127.0.0.1:${port}`,
    port,
    http,
    requests,
    sockets,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        for (const socket of connections) socket.destroy();
        http.close(() => resolve());
      });
      return closed;
    },
  };
  t?.after(() => engine.close());
  return engine;
}

// ---- session helpers ----------------------------------------------------------------------------------

/** Creates a session, registers its close for teardown, opens it and waits for "open". */
export async function openSession(
  t: TeardownContext,
  uri: string,
  opts: EngineOptions = {},
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<EngineSession> {
  const session = new EngineSession(uri, { path: "/socket.io", ...opts });
  t.after(() => {
    session.close();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`session did not open within ${timeoutMs} ms`)), timeoutMs);
    session.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    session.once("close", (reason, details) => {
      clearTimeout(timer);
      reject(new Error(`session closed before opening: ${reason} ${String(details)}`));
    });
    session.open();
  });
  return session;
}

/** Records every message of a session and hands them out in order of arrival. */
export class Inbox {
  readonly all: RawData[] = [];
  #read = 0;
  #waiters: Array<() => void> = [];

  constructor(session: EngineSession) {
    session.on("message", (data) => {
      this.all.push(data);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** The next message (skipping none), failing after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<RawData> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.all.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.all[this.#read++];
  }

  /** The next text message matching `test`, skipping others (pings never show up here). */
  async nextMatching(test: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const data = await this.next(Math.max(1, deadline - Date.now()));
      if (typeof data === "string" && test(data)) return data;
    }
  }
}

/** Sends a Socket.IO CONNECT for the main namespace and waits for the server's CONNECT answer. */
export async function connectNamespace(session: EngineSession, inbox: Inbox): Promise<string> {
  session.write("0");
  const answer = await inbox.nextMatching((text) => text.startsWith("0"));
  return (JSON.parse(answer.slice(1)) as { sid: string }).sid;
}

/**
 * Runs a Socket.IO conversation by hand over an open session whose namespace is connected: an event and an
 * ack each way, then binary each way. Throws (assert) on the first difference.
 */
export async function exchangeEventsAndBinary(session: EngineSession, inbox: Inbox, socket: ServerSocket): Promise<void> {
  // event client -> server
  const hello = new Promise<unknown[]>((resolve) => socket.once("hello", (...args: unknown[]) => resolve(args)));
  session.write('2["hello","world",42]');
  assert.deepEqual(await hello, ["world", 42]);

  // event server -> client
  socket.emit("news", { a: 1 });
  assert.equal(await inbox.nextMatching((m) => m.startsWith("2")), '2["news",{"a":1}]');

  // ack requested by the client
  socket.once("double", (n: number, ack: (value: number) => void) => ack(n * 2));
  session.write('27["double",21]');
  assert.equal(await inbox.nextMatching((m) => m.startsWith("3")), "37[42]");

  // ack requested by the server
  const answered = socket.timeout(10_000).emitWithAck("question", 3);
  const question = await inbox.nextMatching((m) => m.startsWith("2"));
  const match = /^2(\d+)\["question",3\]$/.exec(question);
  assert.ok(match, `unexpected ack request ${question}`);
  session.write(`3${match[1]}[9]`);
  assert.equal(await answered, 9);

  // binary client -> server: the placeholder packet, then the attachment as a binary message
  const received = new Promise<unknown>((resolve) => socket.once("bin", (data: unknown) => resolve(data)));
  session.write('51-["bin",{"_placeholder":true,"num":0}]');
  session.write(new Uint8Array([1, 2, 3, 250]));
  const got = await received;
  assert.ok(Buffer.isBuffer(got), "the server received a Buffer");
  assert.deepEqual([...got], [1, 2, 3, 250]);

  // binary server -> client
  socket.emit("bin", Buffer.from([4, 5, 6, 0, 255]));
  assert.equal(await inbox.nextMatching((m) => m.startsWith("5")), '51-["bin",{"_placeholder":true,"num":0}]');
  const attachment = await inbox.next();
  assert.ok(typeof attachment !== "string", "the attachment arrives as binary");
  assert.deepEqual([...new Uint8Array(attachment as ArrayBuffer)], [4, 5, 6, 0, 255]);
}

/** Resolves with the arguments of the session's next `event`; rejects after `timeoutMs`. */
export function sessionOnce<E extends keyof EngineEvents>(
  session: EngineSession,
  event: E,
  timeoutMs = 10_000,
): Promise<Parameters<EngineEvents[E]>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: Parameters<EngineEvents[E]>) => {
      clearTimeout(timer);
      resolve(args);
    }) as EngineEvents[E];
    const timer = setTimeout(() => {
      session.off(event, listener as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the session's "${event}"`));
    }, timeoutMs);
    session.once(event, listener as never);
  });
}
