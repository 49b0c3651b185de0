// The Engine.IO session's public contract: what the Manager (and users, through `manager.engine`) may
// rely on. src/engine/session.ts implements it; nothing above the engine reaches past it.

import type { NodeConnectOptions, Platform } from "../platform/platform";
import type { WebTransportConstructor } from "../platform/webtransport";

export type TransportName = "websocket" | "polling" | "webtransport";

/**
 * One of socket.io-client's transport classes as siolink exports them (`WebSocket`, `Fetch`, `XHR`,
 * `NodeXHR`, `NodeWebSocket`): accepted in `transports` in place of a name.
 */
export interface TransportSelector {
  /** The transport it selects. */
  readonly name: TransportName;
  /** Polling in browsers: make its requests with fetch or XMLHttpRequest (see HttpRequestInit.client). */
  readonly request?: "fetch" | "xhr";
}

/** The states a session moves through, in this order; "closed" is final for a session object. */
export type EngineState = "opening" | "open" | "closing" | "closed";

/** Why a session closed, in the words socket.io-client users already match on. */
export type EngineCloseReason =
  | "transport close" // the connection was closed (by the server, a proxy or the network)
  | "transport error" // a transport failed (WebSocket error, HTTP status other than 200, request error)
  | "ping timeout" // no ping from the server within pingInterval + pingTimeout
  | "parse error" // the server sent something the parser or codec refused
  | "forced close"; // close() was called on this side

/** Extra detail passed as the second argument of `close` / `disconnect`. */
export interface CloseDetails {
  description: string;
  context?: unknown;
}

/** Binary payloads as they arrive: Buffer in Node by default, ArrayBuffer (or Blob) in browsers. */
export type RawData = string | ArrayBuffer | ArrayBufferView | Blob;

export type EnginePacketType = "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop" | "error";

export interface EnginePacket {
  type: EnginePacketType;
  data?: RawData;
  options?: { compress?: boolean };
}

/** The open packet after validation. */
export interface HandshakeData {
  sid: string;
  upgrades: TransportName[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** What users may read of the current transport: `socket.io.engine.transport.name`. */
export interface TransportInfo {
  readonly name: TransportName;
  /** True when a write now would go out without waiting (no request or frame in flight). */
  readonly writable: boolean;
}

/** `transportOptions.webtransport`: passed to the WebTransport constructor as its options. */
export interface WebTransportOptions extends Partial<EngineOptions> {
  /**
   * The WebTransport class to use instead of the runtime's global one. Browsers (and Deno with
   * `--unstable-net`) have a global; Node has none, so pass an implementation there (for example
   * `WebTransport` from @fails-components/webtransport). Without either, "webtransport" is skipped when
   * other transports are listed, and fails otherwise.
   */
  WebTransport?: WebTransportConstructor;
  /** Trust a server certificate by its SHA-256 hash (ECDSA, valid at most 14 days), as in the W3C API. */
  serverCertificateHashes?: Array<{ algorithm: string; value: ArrayBuffer | ArrayBufferView }>;
  allowPooling?: boolean;
  requireUnreliable?: boolean;
  congestionControl?: "default" | "throughput" | "low-latency";
}

export interface EngineOptions extends NodeConnectOptions {
  /** Server path, default "/engine.io" at this layer (the Manager passes "/socket.io"). */
  path?: string;
  /** Append "/" to the path, as the server expects by default. Default true. */
  addTrailingSlash?: boolean;
  query?: Record<string, string>;
  /**
  /**
   * Tried in order. Default ["websocket", "polling"]: WebSocket first, polling when it cannot open.
   * "webtransport" (HTTP/3, socket.io >= 4.7 servers that enable it) is used only when listed: first, or as
   * the upgrade from polling when the server offers it. Names, or the transport exports of socket.io-client's
   * API (`transports: [WebSocket]`, `[XHR, "websocket"]`, `[WebTransport, WebSocket]`).
   */
  transports?: Array<TransportName | TransportSelector>;
  /** Upgrade polling to WebSocket when the server offers it. Default true. */
  upgrade?: boolean;
  /**
   * At this layer: a previous session of the same Manager ended up on WebSocket, so start with it (polling
   * stays as the fallback). The Manager passes `userOption && previousSessionReachedWebSocket`. Default false.
   */
  rememberUpgrade?: boolean;
  /** Add a cache-busting parameter to every polling request. Default true in siolink. */
  timestampRequests?: boolean;
  timestampParam?: string;
  /** Send binary as base64 text even over WebSocket. Default false. */
  forceBase64?: boolean;
  closeOnBeforeunload?: boolean;
  /** Node: let the process exit while only this session is alive. */
  autoUnref?: boolean;
  protocols?: string | string[];
  /**
   * Per-transport overrides, e.g. `{ polling: { extraHeaders: {...} } }`. `webtransport` is also what the
   * WebTransport constructor gets (`serverCertificateHashes`, ...), and where Node code passes a WebTransport
   * implementation.
   */
  transportOptions?: {
    polling?: Partial<EngineOptions>;
    websocket?: Partial<EngineOptions>;
    webtransport?: WebTransportOptions;
  };
  extraHeaders?: Record<string, string>;
  withCredentials?: boolean;
  perMessageDeflate?: boolean | Record<string, unknown>;
  useNativeTimers?: boolean;
  /**
   * How long (ms) a WebSocket may take from creation to a valid open packet before the session gives up
   * on it and falls back to the next transport. Default 10000 in siolink (there is no such knob in
   * socket.io-client, whose Manager timeout is the only limit).
   */
  fallbackTimeout?: number;
  /**
   * Largest thing (bytes) the server may send in one go: one WebSocket frame, or one polling response body.
   * Anything bigger ends the session with reason "transport error" and a TransportError (code ERR_TRANSPORT)
   * naming the limit; the Manager then reconnects as after any transport failure. Over polling the request
   * is aborted as soon as the body passes the limit, so a hostile or broken server cannot make the client
   * buffer without bound; in Node the same holds for WebSocket frames (`ws` refuses them while reading).
   * Default 64 MiB: far above what any Socket.IO app sends in one event (the server's own default for
   * incoming messages is 1 MB), small enough that one message cannot exhaust a browser tab or a small
   * container. Over polling the server may batch several messages in one response, so keep it well above
   * your largest message.
   */
  maxReceiveSize?: number;
  /** What received binary is delivered as; default per platform. */
  binaryType?: "nodebuffer" | "arraybuffer" | "blob";
  /** Internal seam for tests and browser builds; users never need it. */
  platform?: Platform;
}

export interface EngineEvents {
  open: () => void;
  handshake: (data: HandshakeData) => void;
  /** Every packet received, after decoding. */
  packet: (packet: EnginePacket) => void;
  /** Every packet queued for sending. */
  packetCreate: (packet: EnginePacket) => void;
  /** The payload of each "message" packet: what the Socket.IO decoder consumes. */
  data: (data: RawData) => void;
  message: (data: RawData) => void;
  drain: () => void;
  flush: () => void;
  /** A sign of life from the server (ping, or any packet). */
  heartbeat: () => void;
  /**
   * One round-trip sample in ms, raw: the handshake (transport opened → open packet, connecting included),
   * each polling POST (sent → answered), each WebSocket ping frame where the platform sends them (Node).
   */
  latency: (ms: number) => void;
  ping: () => void;
  upgrading: (transport: TransportInfo) => void;
  upgrade: (transport: TransportInfo) => void;
  /** The WebSocket probe failed; the session stays on polling. `error.transport` names the failed transport. */
  upgradeError: (error: Error & { transport?: TransportName }) => void;
  error: (error: Error) => void;
  close: (reason: EngineCloseReason, details?: CloseDetails | Error) => void;
}

/** The members of EngineSession the layers above (and users) rely on. */
export interface EngineSessionApi {
  /** The Engine.IO session id (`sid`), null until the handshake. */
  readonly id: string | null;
  readonly readyState: EngineState;
  /** The transport in use now; replaced when an upgrade completes or a fallback happens. */
  readonly transport: TransportInfo;
  binaryType: "nodebuffer" | "arraybuffer" | "blob";
  /** Starts the session: creates the first transport. Called once. */
  open(): void;
  /** Queues one "message" packet; flushed at once when the transport is writable. */
  write(data: RawData, options?: { compress?: boolean }, callback?: () => void): this;
  send(data: RawData, options?: { compress?: boolean }, callback?: () => void): this;
  /** Closes with reason "forced close" once the write buffer has been flushed. */
  close(): this;
  /** True when the server's heartbeat deadline has passed by the wall clock (timers may have been frozen). */
  hasPingExpired(): boolean;
}
