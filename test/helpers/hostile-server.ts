// A fake Socket.IO server that speaks just enough Engine.IO v4 (WebSocket and long-polling) to send scripted
// bad input: malformed handshakes and frames, lying binary packets, spoofed events, oversized messages,
// endless bodies. Each connection gets an index (0, 1, ...) so a script can misbehave on the first one and
// let the client's reconnection reach a well-behaved one. Also the client side of a hostile case: what
// every case checks (nothing uncaught, Object.prototype intact, no spoofed lifecycle event) and its outcome.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { io, type IoOptions, type Socket } from "../../src/index";
import { waitFor } from "./wait";

export type HostileTransport = "websocket" | "polling";

export interface HandshakeFields {
  sid?: unknown;
  upgrades?: unknown;
  pingInterval?: unknown;
  pingTimeout?: unknown;
  maxPayload?: unknown;
}

/** A valid open frame for connection `index`. */
export function validHandshake(index: number, fields: HandshakeFields = {}): string {
  return `0${JSON.stringify({ sid: `hostile-${index}`, upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1_000_000, ...fields })}`;
}

export interface HostileOptions {
  /** The first frame (or polling body) of connection `index`. Default: validHandshake(index). */
  handshake?: (index: number) => string | Uint8Array;
  /** Answer the client's namespace CONNECT ("40") with a valid sid. Default: true for every connection. */
  autoConnect?: (index: number) => boolean;
  /** Runs on each connection once its namespace is connected (or right after the handshake without autoConnect). */
  script?: (conn: HostileConnection) => void | Promise<void>;
}

export interface HostileConnection {
  readonly index: number;
  readonly transport: HostileTransport;
  /** Engine.IO frames received from the client, in order; binary ones as "<binary N>". */
  readonly received: readonly string[];
  /** Sends one Engine.IO frame (polling: one record of the next response; binary as "b" + base64). */
  send(frame: string | Uint8Array): void;
  /** Polling: answers the next poll with exactly `body`. WebSocket: sends `body` as one frame. */
  sendBody(body: string | Uint8Array): void;
  /**
   * Polling: answers the next poll with an endless body (chunks of `chunkSize` bytes of "4aaa..." text) until
   * the client aborts the request. Resolves with the bytes written once the client went away.
   */
  streamEndless(chunkSize: number): Promise<number>;
  /** WebSocket: writes raw bytes on the TCP socket (hand-made frames). */
  writeRaw(bytes: Uint8Array): void;
  /** Drops the connection (WebSocket: terminate; polling: destroy the pending poll, refuse the sid). */
  close(): void;
  /** Resolves with the first received frame (past ones count) that matches. */
  waitForFrame(predicate: (frame: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
}

export interface HostileServer {
  readonly url: string;
  readonly connections: readonly HostileConnection[];
  waitForConnection(index: number, timeoutMs?: number): Promise<HostileConnection>;
  close(): Promise<void>;
}

interface TeardownContext {
  after(fn: () => unknown): void;
}

const SEPARATOR = "\x1e";

function waitUntil<T>(find: () => T | undefined, subscribe: (wake: () => void) => () => void, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = (): boolean => {
      const found = find();
      if (found === undefined) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(found);
      return true;
    };
    if (!check()) unsubscribe = subscribe(() => void check());
  });
}

/** What both transports share: received frames, the built-in protocol answers, waiting. */
abstract class BaseConnection implements HostileConnection {
  abstract readonly transport: HostileTransport;
  readonly index: number;
  readonly received: string[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #options: HostileOptions;
  #scripted = false;

  constructor(index: number, options: HostileOptions) {
    this.index = index;
    this.#options = options;
  }

  abstract send(frame: string | Uint8Array): void;
  /** Runs `fn` once what was sent so far is on its way to the client. */
  protected abstract afterFlush(fn: () => void): void;
  abstract sendBody(body: string | Uint8Array): void;
  abstract streamEndless(chunkSize: number): Promise<number>;
  abstract writeRaw(bytes: Uint8Array): void;
  abstract close(): void;

  waitForFrame(predicate: (frame: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return waitUntil(
      () => this.received.find(predicate),
      (wake) => {
        this.#waiters.add(wake);
        return () => this.#waiters.delete(wake);
      },
      `frame ${what} on connection ${this.index}`,
      timeoutMs,
    );
  }

  /** Called by the transport for the handshake it sent. */
  protected opened(): void {
    const autoConnect = this.#options.autoConnect?.(this.index) ?? true;
    if (!autoConnect) this.#runScript();
  }

  /** Called by the transport for every frame from the client. */
  protected onFrame(frame: string): void {
    this.received.push(frame);
    for (const wake of [...this.#waiters]) wake();
    if (frame.startsWith("40") && (this.#options.autoConnect?.(this.index) ?? true) && !this.#scripted) {
      this.send(`40${JSON.stringify({ sid: `nsp-${this.index}` })}`);
      // The script starts once the client has the CONNECT answer: over polling, misbehaving in the same
      // body would make the whole answer unreadable, and the client would never see its connection.
      this.afterFlush(() => this.#runScript());
      return;
    }
    // Built-in echo for the tests' liveness checks: 42<id>["echo",...args] -> 43<id>[...args].
    const echo = /^42(\d+)\["echo",?(.*)\]$/s.exec(frame);
    if (echo) this.send(`43${echo[1]}[${echo[2]}]`);
  }

  #runScript(): void {
    if (this.#scripted) return;
    this.#scripted = true;
    void Promise.resolve(this.#options.script?.(this)).catch((error: unknown) => {
      console.error(`hostile script failed on connection ${this.index}:`, error);
    });
  }
}

class WebSocketConnection extends BaseConnection {
  readonly transport = "websocket" as const;
  readonly #ws: WebSocket;

  constructor(index: number, options: HostileOptions, ws: WebSocket) {
    super(index, options);
    this.#ws = ws;
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      this.onFrame(isBinary ? `<binary ${data.length}>` : data.toString("utf8"));
    });
    ws.on("error", () => {});
    ws.send(options.handshake?.(index) ?? validHandshake(index));
    this.opened();
  }

  send(frame: string | Uint8Array): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(frame);
  }

  protected afterFlush(fn: () => void): void {
    fn();
  }

  sendBody(body: string | Uint8Array): void {
    this.send(body);
  }

  streamEndless(): Promise<number> {
    return Promise.reject(new Error("streamEndless is for polling"));
  }

  writeRaw(bytes: Uint8Array): void {
    (this.#ws as unknown as { _socket: NetSocket })._socket.write(bytes);
  }

  close(): void {
    this.#ws.terminate();
  }
}

class PollingConnection extends BaseConnection {
  readonly transport = "polling" as const;
  readonly sid: string;
  #queue: string[] = [];
  /** What the next poll gets instead of the queue: a raw body or an endless stream. */
  #special: { body: string | Uint8Array } | { chunkSize: number; done: (bytes: number) => void } | undefined;
  #pending: ServerResponse | undefined;
  #closed = false;
  #flushed: Array<() => void> = [];

  constructor(index: number, options: HostileOptions, res: ServerResponse) {
    super(index, options);
    this.sid = `hostile-${index}`;
    const handshake = options.handshake?.(index) ?? validHandshake(index);
    res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
    res.end(typeof handshake === "string" ? handshake : Buffer.from(handshake));
    this.opened();
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(frame: string | Uint8Array): void {
    this.#queue.push(typeof frame === "string" ? frame : `b${Buffer.from(frame).toString("base64")}`);
    this.#answer();
  }

  protected afterFlush(fn: () => void): void {
    this.#flushed.push(fn);
    this.#answer();
  }

  sendBody(body: string | Uint8Array): void {
    this.#special = { body };
    this.#answer();
  }

  streamEndless(chunkSize: number): Promise<number> {
    return new Promise((done) => {
      this.#special = { chunkSize, done };
      this.#answer();
    });
  }

  writeRaw(): void {
    throw new Error("writeRaw is for WebSocket");
  }

  close(): void {
    this.#closed = true;
    this.#pending?.socket?.destroy();
    this.#pending = undefined;
  }

  onPoll(res: ServerResponse): void {
    this.#pending = res;
    res.on("close", () => {
      if (this.#pending === res) this.#pending = undefined;
    });
    this.#answer();
  }

  onPost(body: string, res: ServerResponse): void {
    res.writeHead(200, { "Content-Type": "text/html" }).end("ok");
    for (const frame of body.split(SEPARATOR)) {
      if (frame === "1") {
        this.close();
        return;
      }
      this.onFrame(frame.startsWith("b") ? `<binary ${Buffer.from(frame.slice(1), "base64").length}>` : frame);
    }
  }

  #answer(): void {
    const res = this.#pending;
    if (res === undefined) return;
    const special = this.#special;
    // Queued frames go first, in their own body: a special body never swallows them.
    if (special !== undefined && this.#queue.length === 0) {
      this.#special = undefined;
      this.#pending = undefined;
      if ("body" in special) {
        const body = Buffer.from(special.body);
        res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8", "Content-Length": body.length });
        res.end(body);
        return;
      }
      // No Content-Length: the client only learns the size by reading.
      res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
      const chunk = Buffer.from(`4${"a".repeat(special.chunkSize - 1)}`);
      let written = 0;
      const pump = (): void => {
        while (!res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
      };
      res.on("close", () => special.done(written));
      pump();
      return;
    }
    if (this.#queue.length === 0) return;
    this.#pending = undefined;
    const body = this.#queue.join(SEPARATOR);
    this.#queue = [];
    res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" }).end(body);
    for (const fn of this.#flushed.splice(0)) fn();
  }
}

export async function startHostileServer(t: TeardownContext | undefined, options: HostileOptions = {}): Promise<HostileServer> {
  const connections: BaseConnection[] = [];
  const polling = new Map<string, PollingConnection>();
  const waiters = new Set<() => void>();
  const sockets = new Set<NetSocket>();
  const notify = (): void => {
    for (const wake of [...waiters]) wake();
  };
  const wss = new WebSocketServer({ noServer: true });

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const sid = url.searchParams.get("sid");
      if (url.searchParams.get("transport") !== "polling") {
        res.writeHead(400).end();
        return;
      }
      if (sid === null) {
        const conn = new PollingConnection(connections.length, options, res);
        polling.set(conn.sid, conn);
        connections.push(conn);
        notify();
        return;
      }
      const conn = polling.get(sid);
      if (conn === undefined || conn.closed) {
        res.writeHead(400, { "Content-Type": "application/json" }).end('{"code":1,"message":"Session ID unknown"}');
        return;
      }
      if (req.method === "POST") conn.onPost(body, res);
      else conn.onPoll(res);
    });
  });
  http.on("connection", (socket: NetSocket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  http.on("upgrade", (req: IncomingMessage, socket: NetSocket, head: Buffer) => {
    socket.on("error", () => {});
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.push(new WebSocketConnection(connections.length, options, ws));
      notify();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  const server: HostileServer = {
    url: `http://127.0.0.1:${port}`,
    connections,
    waitForConnection(index, timeoutMs = 10_000) {
      return waitUntil(
        () => connections[index],
        (wake) => {
          waiters.add(wake);
          return () => waiters.delete(wake);
        },
        `connection #${index}`,
        timeoutMs,
      );
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const conn of connections) conn.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      });
      return closed;
    },
  };
  t?.after(() => server.close());
  return server;
}

// ---- the client side of a hostile case --------------------------------------------------------------------

/** What a test needs from a client socket: siolink's Socket (socket.io-client's has the same shape). */
export type WatchedSocket = Socket;

/** Names a server must not be able to fire on the client's listeners. */
export const RESERVED_NAMES = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"] as const;

export interface Timeline {
  /** "connect" / "disconnect:<reason>" / "connect_error:<message>", as the client's listeners saw them. */
  readonly lifecycle: string[];
  /** Errors passed to connect_error and the details passed with disconnect. */
  readonly errors: unknown[];
  /** Every user-level event delivered (onAny), name first. */
  readonly events: unknown[][];
  /** Problems seen: a reserved listener called in a way only a spoofed event could cause. */
  readonly violations: string[];
}

const DISCONNECT_REASONS = new Set([
  "io server disconnect",
  "io client disconnect",
  "ping timeout",
  "transport close",
  "transport error",
  "parse error",
]);

/**
 * Records the lifecycle of `socket` and flags anything only a spoofed reserved event could produce: connect
 * while not connected or with arguments, disconnect while connected or with an unknown reason, connect_error
 * while connected or without an Error, any call of disconnecting/newListener/removeListener listeners, and
 * connect/disconnect not strictly alternating.
 */
export function watchSocket(socket: WatchedSocket): Timeline {
  const timeline: Timeline = { lifecycle: [], errors: [], events: [], violations: [] };
  let up = false;
  socket.on("connect", (...args: unknown[]) => {
    timeline.lifecycle.push("connect");
    if (args.length > 0) timeline.violations.push(`connect with arguments ${JSON.stringify(args)}`);
    if (!socket.connected) timeline.violations.push("connect while not connected");
    if (up) timeline.violations.push("connect twice without a disconnect");
    up = true;
  });
  socket.on("disconnect", (reason: unknown, details?: unknown) => {
    timeline.lifecycle.push(`disconnect:${String(reason)}`);
    if (details !== undefined) timeline.errors.push(details);
    if (typeof reason !== "string" || !DISCONNECT_REASONS.has(reason)) timeline.violations.push(`disconnect with reason ${JSON.stringify(reason)}`);
    if (socket.connected) timeline.violations.push("disconnect while connected");
    if (!up) timeline.violations.push("disconnect without a connect");
    up = false;
  });
  socket.on("connect_error", (error: unknown) => {
    timeline.lifecycle.push(`connect_error:${error instanceof Error ? error.message : String(error)}`);
    timeline.errors.push(error);
    if (!(error instanceof Error)) timeline.violations.push(`connect_error with ${JSON.stringify(error)}`);
    if (socket.connected || up) timeline.violations.push("connect_error while connected (no disconnect before it)");
  });
  for (const name of ["disconnecting", "newListener", "removeListener"] as const) {
    socket.on(name, (...args: unknown[]) => timeline.violations.push(`"${name}" listener called with ${JSON.stringify(args)}`));
  }
  socket.onAny((event: string, ...args: unknown[]) => {
    timeline.events.push([event, ...args]);
    if ((RESERVED_NAMES as readonly string[]).includes(event)) timeline.violations.push(`onAny got reserved event "${event}"`);
  });
  return timeline;
}

export interface ProcessGuard {
  /** Uncaught exceptions and unhandled rejections seen since the guard was installed. */
  readonly uncaught: unknown[];
  /** Throws (assert) when anything was uncaught or Object.prototype changed. */
  check(): void;
}

/** Catches what would otherwise crash the process, and snapshots Object.prototype to detect pollution. */
export function guardProcess(t: TeardownContext): ProcessGuard {
  const uncaught: unknown[] = [];
  const onError = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  t.after(() => {
    process.off("uncaughtException", onError);
    process.off("unhandledRejection", onError);
  });
  const names = Object.getOwnPropertyNames(Object.prototype).sort().join(",");
  const proto = Object.getPrototypeOf({}) as unknown;
  return {
    uncaught,
    check() {
      if (uncaught.length > 0) {
        throw new Error(`uncaught: ${uncaught.map((e) => (e instanceof Error ? e.stack : String(e))).join("\n")}`);
      }
      const now = Object.getOwnPropertyNames(Object.prototype).sort().join(",");
      if (now !== names) throw new Error(`Object.prototype changed: ${now}`);
      if (Object.getPrototypeOf({}) !== proto) throw new Error("the prototype of {} changed");
      for (const key of ["polluted", "isAdmin", "_placeholder"]) {
        if (key in {}) throw new Error(`Object.prototype.${key} was set`);
      }
    },
  };
}

// ---- one hostile case, end to end ---------------------------------------------------------------------------

/**
 * - usable: the client stays connected through the script and answers an echo afterwards;
 * - closes: the client disconnects with `reason` (its details matching `error`), then reconnects to the next,
 *   well-behaved connection and answers an echo there;
 * - refused: the first attempt fails with connect_error matching `error`, then the client reconnects.
 */
export type HostileOutcome =
  | { kind: "usable" }
  | { kind: "closes"; reason: string; error?: RegExp }
  | { kind: "refused"; error: RegExp };

export interface HostileCase {
  transport?: HostileTransport;
  /** First frame (polling: body) of the first connection; later connections get a valid one. */
  handshake?: string | Uint8Array;
  /** Whether the first connection answers the namespace CONNECT by itself. Default true. */
  autoConnect?: boolean;
  /** Misbehaviour of the first connection; later connections behave. */
  script?: (conn: HostileConnection) => void | Promise<void>;
  clientOptions?: IoOptions;
  /** Called with the client socket right after io(), before it connects: add listeners, plan emits. */
  onSocket?: (socket: Socket) => void;
  outcome: HostileOutcome;
}

export interface HostileRun {
  socket: Socket;
  server: HostileServer;
  timeline: Timeline;
}

function messageOf(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value);
}

/**
 * Runs one case against siolink's io() and checks what holds for every case: nothing uncaught, Object.prototype
 * unchanged, no reserved listener fired by the server, connect/disconnect alternating, and the outcome.
 */
export async function runHostileCase(t: TeardownContext, c: HostileCase): Promise<HostileRun> {
  const guard = guardProcess(t);
  let scripted: Promise<void> = Promise.resolve();
  const server = await startHostileServer(t, {
    handshake: (index) => (index === 0 && c.handshake !== undefined ? c.handshake : validHandshake(index)),
    autoConnect: (index) => index > 0 || c.autoConnect !== false,
    script: (conn) => {
      if (conn.index !== 0 || c.script === undefined) return;
      scripted = Promise.resolve(c.script(conn));
      return scripted;
    },
  });
  const transport = c.transport ?? "websocket";
  const socket = io(server.url, {
    forceNew: true,
    transports: [transport],
    reconnectionDelay: 10,
    reconnectionDelayMax: 50,
    timeout: 5_000,
    ...c.clientOptions,
  });
  t.after(() => socket.disconnect());
  const timeline = watchSocket(socket);
  c.onSocket?.(socket);
  const describe = (): string => `lifecycle ${JSON.stringify(timeline.lifecycle)}, errors ${timeline.errors.map(messageOf).join(" | ")}`;

  const echo = async (): Promise<void> => {
    assert.equal(await socket.timeout(5_000).emitWithAck("echo", "alive"), "alive", "the client answers an echo");
  };
  const reconnected = async (): Promise<void> => {
    await waitFor(() => socket.connected && server.connections.length >= 2, {
      what: `the reconnection to a well-behaved connection (${describe()})`,
    });
    await echo();
  };

  switch (c.outcome.kind) {
    case "usable":
      await waitFor(() => socket.connected, { what: `the connection (${describe()})` });
      await scripted;
      await echo();
      assert.deepEqual(timeline.lifecycle, ["connect"], "no disconnection");
      break;
    case "closes": {
      const { reason, error } = c.outcome;
      await waitFor(() => timeline.lifecycle.some((entry) => entry.startsWith("disconnect:")), { what: `a disconnection (${describe()})` });
      assert.deepEqual(timeline.lifecycle.slice(0, 2), ["connect", `disconnect:${reason}`], describe());
      if (error !== undefined) {
        assert.ok(timeline.errors[0] instanceof Error, `the disconnect came with an Error (${describe()})`);
        assert.match(messageOf(timeline.errors[0]), error);
      }
      await reconnected();
      break;
    }
    case "refused": {
      const { error } = c.outcome;
      await waitFor(() => timeline.lifecycle.length > 0, { what: `connect_error (${describe()})` });
      assert.match(timeline.lifecycle[0] ?? "", /^connect_error:/, describe());
      assert.match(messageOf(timeline.errors[0]), error);
      await reconnected();
      break;
    }
  }
  assert.deepEqual(timeline.violations, [], "no reserved listener fired by the server, connect/disconnect alternate");
  guard.check();
  return { socket, server, timeline };
}
