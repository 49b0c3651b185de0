// The Platform seam: everything that differs between browsers and Node. Only files in src/platform/
// implement it; every other layer receives a Platform and never sniffs globals itself.

/** The subset of the WHATWG WebSocket that both the browser global and `ws` provide. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  /**
   * Optional: sends several frames in one write where the platform can (Node corks the TCP socket), so a
   * burst costs one system call instead of one per frame.
   */
  sendBatch?(frames: ReadonlyArray<string | ArrayBuffer | ArrayBufferView | Blob>): void;
  close(code?: number, reason?: string): void;
}

/** Node-only TLS and agent options, passed through to `ws` and `node:https` untouched. */
export interface NodeConnectOptions {
  agent?: unknown;
  pfx?: string | Uint8Array;
  key?: string | Uint8Array;
  passphrase?: string;
  cert?: string | Uint8Array;
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  ciphers?: string;
  rejectUnauthorized?: boolean;
}

export interface WebSocketInit extends NodeConnectOptions {
  protocols?: string | string[];
  /** Sent with the upgrade request in Node; browsers cannot set WebSocket headers and ignore them. */
  headers?: Record<string, string>;
  perMessageDeflate?: boolean | Record<string, unknown>;
  /**
   * Largest incoming frame (bytes) the socket may read. Where the platform can enforce it while reading
   * (Node's `ws`), a larger frame makes the socket fail without buffering it: onerror receives a
   * TransportError (from src/errors.ts) naming the limit, then onclose follows. Browsers cannot limit a
   * WebSocket before a frame is complete; the transport checks the size of each message it gets instead.
   */
  maxPayload?: number;
}

export interface HttpRequestInit extends NodeConnectOptions {
  method: "GET" | "POST";
  url: string;
  /** A POST body: Engine.IO payloads are always text (binary travels as base64 over polling). */
  body?: string;
  headers?: Record<string, string>;
  withCredentials?: boolean;
  /**
   * Largest response body (bytes) to accept. A response announcing a larger Content-Length, or whose body
   * grows past the limit while it streams in, is aborted at once (nothing more is buffered) and the callback
   * gets a TransportError (from src/errors.ts) naming the limit. Undefined: no limit.
   */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** Called once, with an error (network failure) or a response (any HTTP status). Never after abort(). */
export type HttpCallback = (error: Error | null, response?: HttpResponse) => void;

export interface Platform {
  readonly name: "node" | "browser";
  /** What binary messages arrive as when the user sets no `binaryType`: Buffer in Node, ArrayBuffer in browsers. */
  readonly defaultBinaryType: "nodebuffer" | "arraybuffer";
  /** The URL `io()` connects to when given none: the page origin in browsers, undefined in Node. */
  defaultOrigin(): string | undefined;
  /** Whether a WebSocket can be created at all in this runtime. */
  hasWebSocket(): boolean;
  createWebSocket(url: string, init: WebSocketInit): WebSocketLike;
  /** Starts an HTTP request; returns a function that aborts it (after which the callback is never called). */
  request(init: HttpRequestInit, callback: HttpCallback): () => void;
  /** Runs fn after the current call stack, before timers (process.nextTick / queueMicrotask). */
  nextTick(fn: () => void): void;
  /**
   * Registers page-lifecycle hooks (browser `beforeunload`, `offline`); returns an undo function.
   * A no-op returning a no-op in Node. Registered per session, never at import time.
   */
  onLifecycle(hooks: { beforeunload?: () => void; offline?: () => void; online?: () => void }): () => void;
  /** Lets Node exit while only this timer or socket is pending (`autoUnref`); a no-op in browsers. */
  unref(handle: unknown): void;
}
