// The Platform seam: everything that differs between browsers and Node. Only files in src/platform/
// implement it; every other layer receives a Platform and never sniffs globals itself.

/**
 * The subset of the WHATWG WebSocket that both the browser global and `ws` provide. Like the WHATWG one, an
 * implementation must call its `on*` handlers as methods (`socket.onmessage(event)`): the transport shares
 * one set of handlers between all its sockets and finds the transport through `this`, which saves a closure
 * per handler on every connection.
 */
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
  /**
   * Optional: times one round trip with a WebSocket ping frame, which the peer's WebSocket library answers
   * with a pong on its own (Node's `ws`; browsers cannot send pings). `onRtt` gets the milliseconds. While a
   * ping is unanswered, or when the socket is not open, a call does nothing.
   */
  ping?(onRtt: (ms: number) => void): void;
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
  /** Local interface to connect from, so a load test can spread its connections over several source IPs. */
  localAddress?: string;
  /**
   * Node only: the HTTP proxy that polling requests and the WebSocket go through. Every connection is an
   * HTTP CONNECT tunnel through the proxy (TLS to the target runs inside the tunnel, so `ca`, `cert`, `key`
   * and `rejectUnauthorized` apply to the target, not to the proxy).
   * - `"http://user:pass@proxy:3128"`: this proxy (credentials are sent as `Proxy-Authorization: Basic`);
   *   NO_PROXY does not apply to an explicit proxy.
   * - `"env"`: HTTPS_PROXY for https/wss targets, HTTP_PROXY for http/ws (lower-case variants win), except
   *   for hosts listed in NO_PROXY.
   * - `false`: no proxy, even when `NODE_USE_ENV_PROXY=1`.
   * - Not set: as `"env"` when the environment has `NODE_USE_ENV_PROXY=1` (the switch Node >= 24 uses for
   *   its own http and fetch), otherwise no proxy.
   * An explicit `agent` always wins: the proxy is then the agent's business. Browsers ignore this option.
   * @example
   * io("https://example.com", { proxy: "http://proxy.internal:3128" });
   */
  proxy?: string | false;
  /**
   * Node only: where cookies are kept for `withCredentials: true` (Set-Cookie from polling responses and
   * from the WebSocket upgrade response, sent back as a Cookie header). Default: one in-memory jar per
   * Manager, so affinity cookies survive reconnects. Pass your own object to share cookies between Managers
   * or to seed and inspect them. Only transports with `withCredentials` use it; browsers ignore it (the
   * browser keeps cookies itself).
   */
  cookieJar?: CookieJar | undefined;
}

/**
 * Cookies kept on the client for `withCredentials` where the runtime keeps none itself (Node). Browsers
 * never get one: the browser stores and sends cookies on its own.
 */
export interface CookieJar {
  /** The Cookie header value for a request to `url` (http, https, ws or wss), undefined when none applies. */
  cookieHeader(url: string): string | undefined;
  /** Records the Set-Cookie header lines of a response from `url`; malformed lines are ignored. */
  store(url: string, setCookieLines: readonly string[]): void;
}

/** Named as the transport options are, so a transport passes its options as they are (other fields are ignored). */
export interface WebSocketInit extends NodeConnectOptions {
  protocols?: string | string[] | undefined;
  /** Sent with the upgrade request in Node; browsers cannot set WebSocket headers and ignore them. */
  extraHeaders?: Record<string, string> | undefined;
  /** Default (Node): { threshold: 1024 }. */
  perMessageDeflate?: boolean | Record<string, unknown> | undefined;
  /** Cookies from `cookieJar` (Node) only with this. */
  withCredentials?: boolean | undefined;
  /**
   * Largest incoming frame (bytes) the socket may read. Where the platform can enforce it while reading
   * (Node's `ws`), a larger frame makes the socket fail without buffering it: onerror receives a
   * TransportError (from src/errors.ts) naming the limit, then onclose follows. Browsers cannot limit a
   * WebSocket before a frame is complete; the transport checks the size of each message it gets instead.
   */
  maxReceiveSize?: number | undefined;
}

/** Named as the transport options are, so polling passes its options as they are (other fields are ignored). */
export interface HttpRequestInit extends NodeConnectOptions {
  method: "GET" | "POST";
  url: string;
  /** A POST body: Engine.IO payloads are always text (binary travels as base64 over polling). */
  body?: string | undefined;
  extraHeaders?: Record<string, string> | undefined;
  withCredentials?: boolean | undefined;
  /**
   * Browsers: make the request with fetch or XMLHttpRequest (the `Fetch` and `XHR` transports). By default,
   * and when the one asked for is missing, XMLHttpRequest where there is one, fetch otherwise. Node ignores it.
   */
  client?: "fetch" | "xhr" | undefined;
  /**
   * Largest response body (bytes) to accept. A response announcing a larger Content-Length, or whose body
   * grows past the limit while it streams in, is aborted at once (nothing more is buffered) and the callback
   * gets a TransportError (from src/errors.ts) naming the limit. Undefined: no limit.
   */
  maxReceiveSize?: number | undefined;
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
  /**
   * Starts an HTTP request; returns a function that aborts it (after which the callback is never called).
   * Optional: without it, polling uses the runtime's own (`request` of src/platform/default.ts). The default
   * platform of browser builds has none, so that a bundle without polling links no XMLHttpRequest or fetch code.
   */
  request?(init: HttpRequestInit, callback: HttpCallback): () => void;
  /** Runs fn after the current call stack, before timers (process.nextTick / queueMicrotask). */
  nextTick(fn: () => void): void;
  /**
   * Registers page-lifecycle hooks (browser `beforeunload`, `offline`, `online`, and `visible`: the page became
   * visible again after `visibilitychange`); returns an undo function. Each hook but `visible` is passed its
   * event's type.
   * A no-op returning a no-op in Node. Registered per session, never at import time.
   */
  onLifecycle(hooks: {
    beforeunload?: (type: "beforeunload") => void;
    offline?: (type: "offline") => void;
    online?: () => void;
    visible?: () => void;
  }): () => void;
  /** Lets Node exit while only this timer or socket is pending (`autoUnref`); a no-op in browsers. */
  unref(handle: unknown): void;
  /** A new, empty cookie jar for `withCredentials`; only where the runtime keeps no cookies itself (Node). */
  createCookieJar?(): CookieJar;
}

/** A Platform that makes HTTP requests itself: nodePlatform and browserPlatform. */
export interface HttpPlatform extends Platform {
  request(init: HttpRequestInit, callback: HttpCallback): () => void;
}
