// The Node.js Platform: WebSocket through `ws`, polling through node:http / node:https, process.nextTick,
// and `unref` for timers, WebSocket sockets and in-flight HTTP requests (autoUnref).

import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from "node:https";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import WebSocket from "ws";
import { TransportError } from "../errors";
import type {
  HttpCallback,
  HttpRequestInit,
  NodeConnectOptions,
  Platform,
  WebSocketInit,
  WebSocketLike,
} from "./platform";

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

/** Only the TLS and agent fields, so unrelated init fields never leak into node:https options. */
function connectOptions(init: NodeConnectOptions): HttpsRequestOptions {
  const out: HttpsRequestOptions = {};
  if (init.agent !== undefined) out.agent = init.agent as HttpAgent | boolean;
  if (init.pfx !== undefined) out.pfx = init.pfx as HttpsRequestOptions["pfx"];
  if (init.key !== undefined) out.key = init.key as HttpsRequestOptions["key"];
  if (init.passphrase !== undefined) out.passphrase = init.passphrase;
  if (init.cert !== undefined) out.cert = init.cert as HttpsRequestOptions["cert"];
  if (init.ca !== undefined) out.ca = init.ca as HttpsRequestOptions["ca"];
  if (init.ciphers !== undefined) out.ciphers = init.ciphers;
  if (init.rejectUnauthorized !== undefined) out.rejectUnauthorized = init.rejectUnauthorized;
  return out;
}

/** `ws` reports a frame over its maxPayload with this code, having refused to read it. */
const WS_TOO_LARGE = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

function tooLarge(what: string, limit: number, cause?: unknown): TransportError {
  return new TransportError(`message too large: ${what} exceeded maxReceiveSize (${limit} bytes)`, cause, { limit });
}

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

/**
 * Adapts a `ws` client to WebSocketLike. `ws` reports text frames as Buffers through its EventEmitter API,
 * so the adapter turns them back into strings; it also owns the TCP socket so autoUnref can release it.
 */
class NodeWebSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;

  readonly #ws: WebSocket;
  #socket: Socket | undefined;
  #unrefWanted = false;

  constructor(url: string, init: WebSocketInit) {
    const secure = url.startsWith("wss:") || url.startsWith("https:");
    const options: WebSocket.ClientOptions = {
      ...(connectOptions(init) as unknown as WebSocket.ClientOptions),
      perMessageDeflate: (init.perMessageDeflate ?? true) as WebSocket.ClientOptions["perMessageDeflate"],
    };
    if (init.headers !== undefined) options.headers = init.headers;
    // 0 means "no limit" to `ws`; its own default (100 MiB) applies when the caller sets none.
    if (init.maxPayload !== undefined) options.maxPayload = init.maxPayload;
    if (init.agent === undefined) {
      // Owning the connection lets unref() reach the socket during the HTTP upgrade as well as after it.
      const create = (opts: ConnectionOptions & { path?: string }): Socket => {
        const socket = secure ? tlsConnect(opts) : netConnect(opts as Parameters<typeof netConnect>[0]);
        this.#adopt(socket);
        return socket;
      };
      options.createConnection = create as unknown as WebSocket.ClientOptions["createConnection"];
    }
    this.#ws = init.protocols === undefined ? new WebSocket(url, options) : new WebSocket(url, init.protocols, options);
    this.#ws.on("upgrade", (response: IncomingMessage) => this.#adopt(response.socket));
    this.#ws.on("open", () => this.onopen?.({ type: "open" }));
    this.#ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      this.onmessage?.({ data: isBinary ? data : textOf(data) });
    });
    this.#ws.on("error", (error: Error) => {
      const limit = options.maxPayload;
      const code = (error as { code?: unknown }).code;
      this.onerror?.(code === WS_TOO_LARGE && limit !== undefined ? tooLarge("a WebSocket frame", limit, error) : error);
    });
    this.#ws.on("close", (code: number, reason: Buffer) => {
      this.onclose?.({ code, reason: reason.toString("utf8"), wasClean: code === 1000 });
    });
  }

  get binaryType(): string {
    return this.#ws.binaryType;
  }

  set binaryType(type: string) {
    // `ws` silently ignores names it does not know ("blob" on runtimes without Blob).
    this.#ws.binaryType = type as WebSocket["binaryType"];
  }

  get readyState(): number {
    return this.#ws.readyState;
  }

  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    this.#ws.send(data as Parameters<WebSocket["send"]>[0]);
  }

  sendBatch(frames: ReadonlyArray<string | ArrayBuffer | ArrayBufferView | Blob>): void {
    // One writev for the whole burst: per-frame writes were over half of the client's CPU when emitting.
    const socket = this.#socket;
    socket?.cork();
    try {
      for (const frame of frames) this.#ws.send(frame as Parameters<WebSocket["send"]>[0]);
    } finally {
      socket?.uncork();
    }
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  /** Lets the process exit while this WebSocket is the only thing left (autoUnref). */
  unref(): void {
    this.#unrefWanted = true;
    this.#socket?.unref();
  }

  #adopt(socket: Socket): void {
    this.#socket = socket;
    if (this.#unrefWanted) socket.unref();
  }
}

/** The abort function handed back by request(), which also knows how to unref the request's socket. */
type RequestHandle = (() => void) & Unrefable;

function request(init: HttpRequestInit, callback: HttpCallback): RequestHandle {
  const url = new URL(init.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const headers: Record<string, string | number> = { ...init.headers };
  if (init.body !== undefined) headers["Content-Length"] = Buffer.byteLength(init.body);

  const limit = init.maxBodyBytes;
  let settled = false;
  let unrefWanted = false;
  const settle = (error: Error | null, status?: number, body?: string): void => {
    if (settled) return;
    settled = true;
    if (error) callback(error);
    else callback(null, { status: status ?? 0, body: body ?? "" });
  };

  const refuse = (received: string): void => {
    if (settled) return;
    settle(tooLarge(`a polling response (${received})`, limit as number));
    // Stop reading now: whatever else the server sends is dropped with the socket, never buffered.
    req.destroy();
  };

  const req = send(url, { ...connectOptions(init), method: init.method, headers }, (res) => {
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
  req.end(init.body);

  const abort = (): void => {
    if (settled) return;
    settled = true;
    req.destroy();
  };
  return Object.assign(abort, {
    unref(): void {
      unrefWanted = true;
      req.socket?.unref();
    },
  });
}

export const nodePlatform: Platform = {
  name: "node",
  defaultBinaryType: "nodebuffer",
  defaultOrigin: () => undefined,
  hasWebSocket: () => true,
  createWebSocket: (url, init) => new NodeWebSocket(url, init),
  request,
  nextTick: (fn) => process.nextTick(fn),
  onLifecycle: () => () => {},
  unref(handle) {
    if (isUnrefable(handle)) handle.unref();
  },
};
