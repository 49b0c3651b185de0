// The transport base: one state machine, URL building and the event contract the Engine session relies on.
// Concrete transports (websocket.ts, polling.ts) only implement the do* hooks.

import { Emitter } from "@socket.io/component-emitter";
import type { CloseDetails, EnginePacket, TransportInfo, TransportName, WebTransportOptions } from "../engine/types";
import { invalidState, type TransportError } from "../errors";
import type { Timers } from "../internal/timers";
import type { NodeConnectOptions, Platform } from "../platform/platform";
import { DEV } from "../internal/dev";

/** "idle" until open() is called; "pausing"/"paused" only exist for polling during an upgrade. */
export type TransportState = "idle" | "opening" | "open" | "pausing" | "paused" | "closed";

export type BinaryType = "nodebuffer" | "arraybuffer" | "blob";

export interface TransportEvents {
  /** The transport can carry packets (WebSocket connected, or first polling response received). */
  open: () => void;
  packet: (packet: EnginePacket) => void;
  /** Everything handed to send() has left this side. */
  drain: () => void;
  /** The peer or the network closed the transport; never emitted after close() or an error. */
  close: (details: CloseDetails) => void;
  /** The transport failed; it is already closed when this is emitted, and emits nothing more. */
  error: (error: TransportError) => void;
}

/**
 * Gets a transport's events (but "open") as direct calls: how the session that uses a transport listens, with
 * no closure and listener list per event. They come before the emitter's listeners.
 */
export interface TransportSink {
  onTransportPacket(packet: EnginePacket): void;
  onTransportDrain(): void;
  onTransportError(error: TransportError): void;
  onTransportClose(details: CloseDetails): void;
  /** A round trip timed by the transport, in ms (polling POSTs, WebSocket ping frames where possible). */
  onTransportRtt?(ms: number): void;
}

/** Everything a transport needs, already resolved (defaults applied, per-transport overrides merged). */
export interface TransportOptions extends NodeConnectOptions {
  secure: boolean;
  hostname: string;
  /** Empty when the scheme's default port is used. */
  port: string;
  path: string;
  addTrailingSlash: boolean;
  query: Record<string, string>;
  timestampRequests: boolean;
  timestampParam: string;
  forceBase64: boolean;
  protocols?: string | string[];
  extraHeaders?: Record<string, string>;
  withCredentials: boolean;
  perMessageDeflate?: boolean | Record<string, unknown>;
  autoUnref: boolean;
  platform: Platform;
  timers: Timers;
  /** Read on every decode so a change of `session.binaryType` applies to the next message. */
  binaryType: () => BinaryType;
  /** The handshake's maxPayload, 0 until known. */
  maxPayload: () => number;
  /** Largest WebSocket frame or polling response body (bytes) accepted from the server; undefined: no limit. */
  maxReceiveSize?: number;
  /** `transportOptions.webtransport` as the user gave it (the WebTransport transport only). */
  webtransport?: WebTransportOptions | undefined;
  /** Polling in browsers: fetch or XMLHttpRequest (see HttpRequestInit.client). */
  client?: "fetch" | "xhr";
}

const NODE_CONNECT_KEYS = ["agent", "pfx", "key", "passphrase", "cert", "ca", "ciphers", "rejectUnauthorized", "localAddress", "proxy", "cookieJar"] as const;

/** The TLS and agent fields of `from` that are set, ready to spread into a WebSocket or request init. */
export function pickConnectOptions(from: NodeConnectOptions): NodeConnectOptions {
  const picked: Record<string, unknown> = {};
  for (const key of NODE_CONNECT_KEYS) {
    if (from[key] !== undefined) picked[key] = from[key];
  }
  return picked as NodeConnectOptions;
}

export abstract class Transport extends Emitter<{}, {}, TransportEvents> implements TransportInfo {
  abstract readonly name: TransportName;

  protected readonly opts: TransportOptions;
  /** Set by the session while this is its transport. */
  sink: TransportSink | null = null;
  #state: TransportState = "idle";
  #sid: string | null = null;

  constructor(opts: TransportOptions) {
    super();
    this.opts = opts;
  }

  get state(): TransportState {
    return this.#state;
  }

  /** The Engine.IO session id sent in the query once the handshake is done. */
  get sid(): string | null {
    return this.#sid;
  }

  set sid(sid: string | null) {
    this.#sid = sid;
  }

  get writable(): boolean {
    return this.#state === "open" && this.isIdle();
  }

  /**
   * Whether send() may be called again before the previous send drained: the new packets then simply follow
   * the earlier ones (WebSocket). A session uses it to start sending a large burst before it ends.
   */
  get pipelinable(): boolean {
    return this.#state === "open" && this.pipelines();
  }

  open(): void {
    if (this.#state !== "idle") {
      throw invalidState(DEV ? `cannot open: ${this.name} transport is ${this.#state}` : `${this.name} ${this.#state}`);
    }
    this.setState("opening");
    this.doOpen();
  }

  /** Closes from this side: emits nothing. Safe in any state, idempotent. */
  close(): void {
    const previous = this.#state;
    if (previous === "closed") return;
    this.setState("closed");
    this.doClose(previous);
  }

  send(packets: EnginePacket[]): void {
    if (this.#state !== "open") {
      throw invalidState(DEV ? `cannot send: ${this.name} transport is ${this.#state}` : `${this.name} ${this.#state}`);
    }
    if (!this.isIdle() && !this.pipelines()) {
      throw invalidState(DEV ? `cannot send: ${this.name} transport is still writing` : `${this.name}`);
    }
    this.doSend(packets);
  }

  /** The URL of the next connection or request; `extra` query parameters go last (polling's timestamp). */
  url(extra?: Record<string, string>): string {
    const { opts } = this;
    // WebTransport is HTTP/3: always over TLS.
    const scheme =
      this.name === "websocket" ? (opts.secure ? "wss" : "ws") : opts.secure || this.name === "webtransport" ? "https" : "http";
    const host = opts.hostname.includes(":") && !opts.hostname.startsWith("[") ? `[${opts.hostname}]` : opts.hostname;
    const port = opts.port ? `:${opts.port}` : "";
    let path = opts.path.replace(/\/+$/, "");
    if (!path.startsWith("/")) path = `/${path}`;
    if (opts.addTrailingSlash || path === "") path += "/";

    const query: Record<string, string> = { ...opts.query, EIO: "4", transport: this.name };
    if (this.#sid !== null) query.sid = this.#sid;
    else delete query.sid;
    Object.assign(query, extra);
    const search = Object.entries(query)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join("&");
    return `${scheme}://${host}${port}${path}?${search}`;
  }

  /** The single place where the state changes. */
  protected setState(state: TransportState): void {
    this.#state = state;
  }

  /** Called by subclasses when the transport can carry packets. */
  protected onOpened(): void {
    if (this.#state !== "opening") return;
    this.setState("open");
    this._emitReserved("open");
  }

  /** Called by subclasses for every decoded packet; false when the transport closed while it was delivered. */
  protected onPacket(packet: EnginePacket): boolean {
    if (this.#state === "closed" || this.#state === "idle") return false;
    this.sink?.onTransportPacket(packet);
    // Per message: skip building an emit nobody listens to.
    if (this.hasListeners("packet")) this._emitReserved("packet", packet);
    return this.state !== "closed";
  }

  protected onDrained(): void {
    if (this.#state === "closed") return;
    this.sink?.onTransportDrain();
    this._emitReserved("drain");
  }

  /** The peer closed: release resources, then tell the session once. */
  protected onClosedByPeer(details: CloseDetails): void {
    const previous = this.#state;
    if (previous === "closed") return;
    this.setState("closed");
    this.release();
    this.sink?.onTransportClose(details);
    this._emitReserved("close", details);
  }

  protected onFailed(error: TransportError): void {
    const previous = this.#state;
    if (previous === "closed") return;
    this.setState("closed");
    this.release();
    this.sink?.onTransportError(error);
    this._emitReserved("error", error);
  }

  /** True when nothing written is still in flight. */
  protected abstract isIdle(): boolean;
  /** True when a send() may follow one still in flight (see `pipelinable`). */
  protected pipelines(): boolean {
    return false;
  }
  protected abstract doOpen(): void;
  protected abstract doSend(packets: EnginePacket[]): void;
  /** Closing from this side; `previous` tells whether a close packet makes sense. */
  protected abstract doClose(previous: TransportState): void;
  /** Drops sockets and requests without sending anything (after a peer close or a failure). */
  protected abstract release(): void;
}
