// The Node.js Platform: WebSocket through `ws`, polling through node:http / node:https, process.nextTick,
// `unref` for timers, WebSocket sockets and in-flight HTTP requests (autoUnref), the cookie jar for
// withCredentials, and CONNECT tunnels through a proxy.

import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from "node:https";
import { connect as netConnect, type NetConnectOpts, type Socket } from "node:net";
import { setImmediate } from "node:timers";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import WebSocket from "ws";
import { tooLargeError, TransportError } from "../errors";
import { MemoryCookieJar } from "./cookies";
import { openTunnel, resolveProxy } from "./env-proxy";
import type {
  CookieJar,
  HttpCallback,
  HttpPlatform,
  HttpRequestInit,
  NodeConnectOptions,
  WebSocketInit,
  WebSocketLike,
} from "./platform";
import { DEV } from "../internal/dev";

/** Something whose process-keeping resources can be released: timers, sockets, our request handles. */
interface Unrefable {
  unref(): unknown;
}

function isUnrefable(handle: unknown): handle is Unrefable {
  return (
    (typeof handle === "object" || typeof handle === "function") &&
    handle !== null &&
    typeof (handle as { unref?: unknown }).unref === "function"
  );
}

const NODE_CONNECT_KEYS = ["agent", "pfx", "key", "passphrase", "cert", "ca", "ciphers", "rejectUnauthorized", "localAddress", "proxy", "cookieJar"] as const;

/** The TLS, agent, proxy and cookie fields of `from` that are set (see NodeConnectOptions). */
export function pickConnectOptions(from: NodeConnectOptions): NodeConnectOptions {
  const picked: Record<string, unknown> = {};
  for (const key of NODE_CONNECT_KEYS) {
    if (from[key] !== undefined) picked[key] = from[key];
  }
  return picked as NodeConnectOptions;
}

/** Only the TLS and agent fields, so unrelated init fields never leak into node:https options. */
function connectOptions(init: NodeConnectOptions): HttpsRequestOptions {
  const { proxy: _proxy, cookieJar: _jar, ...out } = pickConnectOptions(init);
  return out as HttpsRequestOptions;
}

/** The TLS fields alone, for the connection to the target inside a proxy tunnel. */
function tlsOptions(init: NodeConnectOptions): ConnectionOptions {
  const { agent: _agent, ...tls } = connectOptions(init);
  return tls as ConnectionOptions;
}

/** What node:http (and `ws`, through it) calls to get a connection, here asynchronously. */
type CreateConnection = (options: unknown, created: (error: Error | null, stream?: Socket) => void) => undefined;

/**
 * A connection factory that tunnels through the proxy chosen for `url`, or undefined when it goes direct
 * (an explicit `agent` always wins). Throws a TransportError when the proxy setting cannot be used.
 */
function proxyConnection(url: string, init: NodeConnectOptions, adopt: (socket: Socket) => void): CreateConnection | undefined {
  if (init.agent !== undefined) return undefined;
  const proxy = resolveProxy(url, init.proxy, process.env);
  if (proxy === undefined) return undefined;
  const target = new URL(url);
  const tls = tlsOptions(init);
  return (_options, created) => {
    openTunnel({ proxy, target, tls, adopt }, (error, stream) => (error ? created(error) : created(null, stream)));
    return undefined;
  };
}

/** `headers` with the jar's cookies for `url` added to any Cookie header the user set. */
function withCookies<T extends string | number>(headers: Record<string, T>, jar: CookieJar | undefined, url: string): Record<string, T | string> {
  const cookies = jar?.cookieHeader(url);
  if (cookies === undefined) return headers;
  const out: Record<string, T | string> = { ...headers };
  const userKey = Object.keys(out).find((key) => key.toLowerCase() === "cookie");
  if (userKey === undefined) out.Cookie = cookies;
  else out[userKey] = `${String(out[userKey])}; ${cookies}`;
  return out;
}

/**
 * Keeps a response's Set-Cookie lines in the jar (node:http always gives them as an array). A user's jar
 * that throws must not throw out of a socket callback: the error comes back for the caller to fail with.
 */
function keepCookies(jar: CookieJar | undefined, url: string, response: IncomingMessage): TransportError | undefined {
  const lines = response.headers["set-cookie"];
  if (jar === undefined || lines === undefined) return undefined;
  try {
    jar.store(url, lines);
    return undefined;
  } catch (error) {
    return new TransportError(DEV ? "cannot keep the response's cookies: cookieJar.store() threw" : "", error);
  }
}

/** `ws` reports a frame over its maxPayload with this code, having refused to read it. */
const WS_TOO_LARGE = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

/**
 * The socket the connection factories below created last, read by the constructor that called them: `ws`
 * calls its `createConnection` synchronously while it is constructed. Shared functions instead of one closure
 * per connection (about 100 bytes on every client of a load test).
 */
let created: Socket | undefined;

function createNetConnection(options: NetConnectOpts): Socket {
  return (created = netConnect(options));
}

function createTlsConnection(options: ConnectionOptions): Socket {
  return (created = tlsConnect(options));
}

/** The proxy connection of a proxied WebSocket. */
interface Proxied {
  /** The socket to the proxy for the whole life of the WebSocket: with TLS inside, the WebSocket's socket wraps it. */
  socket?: Socket;
  /** The same while the tunnel and upgrade are under way: closing early must end it too. */
  tunnel?: Socket | undefined;
}

/** The cookie jar of a WebSocket with withCredentials, and what it needs to store the upgrade's cookies. */
interface Jarred {
  jar: CookieJar;
  url: string;
  /** Set when the server refused the upgrade and we read its response for cookies. */
  refusal?: Error | undefined;
}

/**
 * A `ws` client that is its own WebSocketLike: one object per connection, whose `ws` listeners are shared
 * functions called on it (an EventEmitter calls listeners on itself). `ws` reports text frames as Buffers
 * through its EventEmitter API, so they are turned back into strings here; the class also keeps the TCP
 * socket, so autoUnref can release it and a burst of frames can go in one write.
 */
class NodeWebSocket extends WebSocket implements WebSocketLike {
  // Own fields: they shadow the WHATWG-style handler accessors of `ws` (which wrap every event in an object).
  override onopen: WebSocketLike["onopen"] = null;
  override onclose: WebSocketLike["onclose"] = null;
  override onerror: WebSocketLike["onerror"] = null;
  override onmessage: WebSocketLike["onmessage"] = null;

  #socket: Socket | undefined;
  #unrefWanted = false;
  /** The ping frame in flight (see ping()): when it was sent, and who waits for its pong. */
  #ping: { at: number; onRtt: (ms: number) => void } | undefined;
  /** maxPayload given to `ws`, to name it when `ws` refuses a frame. */
  readonly #limit: number | undefined;
  readonly #proxied: Proxied | undefined;
  readonly #jarred: Jarred | undefined;

  constructor(url: string, init: WebSocketInit) {
    const options: WebSocket.ClientOptions = {
      ...(connectOptions(init) as unknown as WebSocket.ClientOptions),
      perMessageDeflate: (init.perMessageDeflate ?? true) as WebSocket.ClientOptions["perMessageDeflate"],
    };
    const jar = init.cookieJar;
    const headers = withCookies(init.headers ?? {}, jar, url);
    if (Object.keys(headers).length > 0) options.headers = headers;
    // 0 means "no limit" to `ws`; its own default (100 MiB) applies when the caller sets none.
    if (init.maxPayload !== undefined) options.maxPayload = init.maxPayload;
    const proxied: Proxied = {};
    const tunnel = proxyConnection(url, init, (socket) => (proxied.socket = proxied.tunnel = socket));
    if (tunnel !== undefined) {
      options.createConnection = tunnel as unknown as WebSocket.ClientOptions["createConnection"];
    } else if (init.agent === undefined) {
      // Owning the connection lets unref() reach the socket during the HTTP upgrade as well as after it.
      options.createConnection = (url.startsWith("wss:") || url.startsWith("https:")
        ? createTlsConnection
        : createNetConnection) as unknown as WebSocket.ClientOptions["createConnection"];
    }
    created = undefined;
    if (init.protocols === undefined) super(url, options);
    else super(url, init.protocols, options);
    this.#socket = created;
    created = undefined;
    // Nobody listens on this emitter (emit() above handles every event): drop the listener table EventEmitter
    // made (a dictionary of about 160 bytes per client; on() makes a new one if ever called), and the URL copy
    // `ws` keeps only for its `url` getter, which nothing here reads (about 80 bytes).
    const own = this as unknown as { _events: unknown; _url: unknown };
    own._events = own._url = undefined;
    this.#limit = options.maxPayload;
    if (tunnel !== undefined) this.#proxied = proxied;
    // The URL is only kept to store cookies: without a jar, its string is not kept for the connection's life.
    if (jar !== undefined) this.#jarred = { jar, url };
  }

  /**
   * Where `ws` reports everything: its events go straight to the WebSocketLike handlers, with no listener
   * registered (an EventEmitter's listener table is a hash table of a few hundred bytes on every client).
   */
  override emit(event: string | symbol, ...args: any[]): boolean {
    switch (event) {
      case "message":
        // Text frames arrive as Buffers: handed on as strings.
        this.onmessage?.({ data: args[1] ? args[0] : textOf(args[0]) });
        return true;
      case "pong": {
        // Only the pong of a ping that left (ping() sets `at` when the frame goes out).
        const ping = this.#ping;
        if (ping?.at) {
          this.#ping = undefined;
          ping.onRtt(performance.now() - ping.at);
        }
        return true;
      }
      case "open":
        this.onopen?.({ type: "open" });
        return true;
      case "upgrade": {
        // The upgrade hands over the socket where it was not created here (an agent, a proxy tunnel), and cookies.
        const response = args[0] as IncomingMessage;
        if (this.#proxied) this.#proxied.tunnel = undefined;
        this.#socket = response.socket;
        if (this.#unrefWanted) response.socket.unref();
        const jarred = this.#jarred;
        // Still before "open": terminating fails the handshake, with the jar's error.
        if (jarred && (jarred.refusal = keepCookies(jarred.jar, jarred.url, response))) this.terminate();
        return true;
      }
      case "unexpected-response": {
        // Without a jar, false lets ws fail the handshake its own way; with one, the response's cookies are kept
        // first, and the handshake fails the same way.
        const jarred = this.#jarred;
        if (!jarred) return false;
        const response = args[1] as IncomingMessage;
        jarred.refusal = keepCookies(jarred.jar, jarred.url, response) ?? new Error(`Unexpected server response: ${response.statusCode ?? 0}`);
        this.terminate();
        return true;
      }
      case "error": {
        const error = this.#jarred?.refusal ?? (args[0] as Error);
        const limit = this.#limit;
        this.onerror?.((error as { code?: unknown }).code === WS_TOO_LARGE && limit !== undefined ? tooLargeError("a WebSocket frame", limit, error) : error);
        return true;
      }
      case "close": {
        const proxied = this.#proxied;
        // A close before the upgrade leaves the proxy connection to us.
        if (proxied) {
          proxied.tunnel?.destroy();
          proxied.tunnel = undefined;
        }
        const code = args[0] as number;
        this.onclose?.({ code, reason: (args[1] as Buffer).toString("utf8"), wasClean: code === 1000 });
        return true;
      }
    }
    return super.emit(event, ...args);
  }

  sendBatch(frames: ReadonlyArray<string | ArrayBuffer | ArrayBufferView | Blob>): void {
    // One writev for the whole burst: per-frame writes were over half of the client's CPU when emitting.
    const socket = this.#socket;
    socket?.cork();
    try {
      for (const frame of frames) this.send(frame as Parameters<WebSocket["send"]>[0]);
    } finally {
      socket?.uncork();
    }
  }

  /**
   * See WebSocketLike.ping: one ping frame in flight at most. The frame leaves after what the caller's turn of
   * the event loop does (setImmediate), never between a packet and the code it wakes: the first one is asked
   * for right after the CONNECT reply, where its write would otherwise delay whatever awaits `connect`.
   */
  override ping(onRtt: (ms: number) => void): void {
    if (this.#ping !== undefined || this.readyState !== WebSocket.OPEN) return;
    this.#ping = { at: 0, onRtt };
    setImmediate(NodeWebSocket.#sendPing, this);
  }

  /** The deferred half of ping(): a socket closed meanwhile sends nothing and is never timed. */
  static #sendPing(ws: NodeWebSocket): void {
    const ping = ws.#ping;
    if (ping === undefined || ws.readyState !== WebSocket.OPEN) return;
    ping.at = performance.now();
    WebSocket.prototype.ping.call(ws);
  }

  /** Lets the process exit while this WebSocket is the only thing left (autoUnref). */
  unref(): void {
    this.#unrefWanted = true;
    this.#socket?.unref();
    this.#proxied?.socket?.unref();
  }

}

function noLifecycleToUndo(): void {}

/** The abort function handed back by request(), which also knows how to unref the request's socket. */
type RequestHandle = (() => void) & Unrefable;

export function request(init: HttpRequestInit, callback: HttpCallback): RequestHandle {
  const url = new URL(init.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;

  const limit = init.maxBodyBytes;
  let settled = false;
  let unrefWanted = false;
  const settle = (error: Error | null, status?: number, body?: string): void => {
    if (settled) return;
    settled = true;
    if (error) callback(error);
    else callback(null, { status: status ?? 0, body: body ?? "" });
  };

  /** The socket to the proxy, when the request goes through one (then it has a connection of its own). */
  let proxySocket: Socket | undefined;
  let tunnel: CreateConnection | undefined;
  let headers: Record<string, string | number>;
  try {
    headers = withCookies<string | number>({ ...init.headers }, init.cookieJar, init.url);
    tunnel = proxyConnection(init.url, init, (socket) => {
      proxySocket = socket;
      if (unrefWanted) socket.unref();
    });
  } catch (error) {
    // A proxy setting that cannot work (or a user's jar that throws) fails the request, later: callers
    // expect the callback after return.
    const failure = error instanceof TransportError ? error : new TransportError(DEV ? "cannot prepare the request" : "", error);
    process.nextTick(() => settle(failure));
    return Object.assign(() => void (settled = true), { unref: () => undefined });
  }

  if (init.body !== undefined) {
    headers["Content-Length"] = Buffer.byteLength(init.body);
    // What browsers send with a text body on their own.
    if (!Object.keys(headers).some((name) => name.toLowerCase() == "content-type")) headers["Content-Type"] = "text/plain;charset=UTF-8";
  }

  const refuse = (received: string): void => {
    if (settled) return;
    settle(tooLargeError(`a polling response (${received})`, limit as number));
    // Stop reading now: whatever else the server sends is dropped with the socket, never buffered.
    req.destroy();
  };

  const options: HttpsRequestOptions = { ...connectOptions(init), method: init.method, headers };
  if (tunnel !== undefined) options.createConnection = tunnel as unknown as HttpsRequestOptions["createConnection"];
  const req = send(url, options, (res) => {
    const jarFailure = keepCookies(init.cookieJar, init.url, res);
    if (jarFailure !== undefined) {
      settle(jarFailure);
      req.destroy();
      return;
    }
    const announced = Number(res.headers["content-length"]);
    if (limit !== undefined && announced > limit) {
      refuse(`Content-Length ${announced}`);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    res.on("data", (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (limit !== undefined && received > limit) {
        refuse(`${received} bytes and counting`);
        return;
      }
      chunks.push(chunk);
    });
    res.on("error", (error) => settle(error));
    res.on("end", () => settle(null, res.statusCode, Buffer.concat(chunks).toString("utf8")));
    res.on("close", () => {
      if (!res.complete) settle(new Error(`${init.method} ${init.url}: the response was cut before its end`));
    });
  });
  req.on("error", (error) => settle(error));
  req.on("socket", (socket) => {
    if (unrefWanted) socket.unref();
  });
  // A tunnel serves one request; this also ends one the proxy never answered once the request is aborted.
  if (tunnel !== undefined) req.on("close", () => proxySocket?.destroy());
  req.end(init.body);

  const abort = (): void => {
    if (settled) return;
    settled = true;
    req.destroy();
    // Before the tunnel is open the request has no socket yet: end the proxy connection itself.
    proxySocket?.destroy();
  };
  return Object.assign(abort, {
    unref(): void {
      unrefWanted = true;
      req.socket?.unref();
      proxySocket?.unref();
    },
  });
}

export const nodePlatform: HttpPlatform = {
  name: "node",
  defaultBinaryType: "nodebuffer",
  defaultOrigin: () => undefined,
  hasWebSocket: () => true,
  createWebSocket: (url, init) => new NodeWebSocket(url, init),
  request,
  nextTick: (fn) => process.nextTick(fn),
  // Node has no page or network events: one shared undo, not a new closure per session.
  onLifecycle: () => noLifecycleToUndo,
  unref(handle) {
    if (isUnrefable(handle)) handle.unref();
  },
  createCookieJar: () => new MemoryCookieJar(),
};
