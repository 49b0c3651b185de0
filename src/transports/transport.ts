// The transport base: one state machine, URL building and the event contract the Engine session relies on.
// Concrete transports (websocket.ts, polling.ts, webtransport.ts) implement the hooks; wire.ts encodes packets.

import { heard } from "../internal/emitter";
import { Emitter } from "@socket.io/component-emitter";
import type { CloseDetails, EnginePacket, TransportInfo, TransportName, WebTransportOptions } from "../engine/types";
import { invalidState, TransportError } from "../errors";
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
  /** As URL.hostname gives it: an IPv6 address in brackets. */
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
  maxReceiveSize?: number | undefined;
  /** `transportOptions.webtransport` as the user gave it (the WebTransport transport only). */
  webtransport?: WebTransportOptions | undefined;
  /** Polling in browsers: fetch or XMLHttpRequest (see HttpRequestInit.client). */
  client?: "fetch" | "xhr";
}

/**
 * The TLS and agent fields of an options object that are set, ready to spread into a WebSocket or request init.
 * Browser builds get one that returns nothing: browsers have no use for any of them.
 */
export { pickConnectOptions } from "../platform/default";

export abstract class Transport extends Emitter<{}, {}, TransportEvents> implements TransportInfo {
  abstract readonly name: TransportName;

  protected readonly opts: TransportOptions;
  /** Set by the session while this is its transport. */
  sink: TransportSink | null = null;
  /** Changed only by the transport itself. */
  state: TransportState = "idle";
  /** The Engine.IO session id sent in the query once the handshake is done. */
  sid: string | null = null;

  constructor(opts: TransportOptions) {
    super();
    this.opts = opts;
  }

  get writable(): boolean {
    return this.state == "open" && this.isIdle();
  }

  /**
   * Whether send() may be called again before the previous send drained: the new packets then simply follow
   * the earlier ones (WebSocket). A session uses it to start sending a large burst before it ends.
   */
  get pipelinable(): boolean {
    return this.state == "open" && this.pipelines();
  }

  open(): void {
    if (this.state != "idle") throw this.#misuse("open");
    this.state = "opening";
    this.doOpen();
  }

  send(packets: EnginePacket[]): void {
    if (!this.writable && !this.pipelinable) throw this.#misuse("send");
    this.doSend(packets);
  }

  #misuse(what: string): Error {
    const { name, state } = this;
    return invalidState(DEV ? `cannot ${what}: ${name} transport is ${state == "open" ? "still writing" : state}` : `${name} ${state}`);
  }

  /** The URL of the next connection or request; `extra` query parameters go last (polling's timestamp). */
  url(extra?: Record<string, string>): string {
    const { opts, name } = this;
    let search = "";
    for (const [key, value] of Object.entries({ ...opts.query, EIO: "4", transport: name, sid: this.sid, ...extra })) {
      // No sid before the handshake, even one from the user's query.
      if (value != null) search += `&${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
    }
    // WebTransport is HTTP/3: always over TLS.
    return `${name == "websocket" ? "ws" : "http"}${opts.secure || name == "webtransport" ? "s" : ""}://${opts.hostname}${opts.port ? ":" + opts.port : ""}/${opts.path.replace(/^\/|\/+$/g, "")}${opts.addTrailingSlash ? "/" : ""}?${search.slice(1)}`;
  }

  /** Called by subclasses when the transport can carry packets. */
  protected opened(): void {
    if (this.state == "opening") {
      this.state = "open";
      this._emitReserved("open");
    }
  }

  /** Called by subclasses for every decoded packet; false when the transport closed while it was delivered. */
  protected packet(packet: EnginePacket): boolean {
    if (this.state == "closed") return false;
    this.sink?.onTransportPacket(packet);
    // Per message: skip building an emit nobody listens to.
    if (heard(this, "packet")) this._emitReserved("packet", packet);
    return (this.state as TransportState) != "closed";
  }

  protected drained(): void {
    if (this.state != "closed") {
      this.sink?.onTransportDrain();
      this._emitReserved("drain");
    }
  }

  /**
   * Closes the transport once; safe in any state, idempotent. Without `reason`: from this side, and nothing is
   * emitted. Transports themselves pass one when the peer closed them (a close's details) or they failed (a
   * TransportError), which is then reported after the resources are released.
   */
  close(reason?: TransportError | CloseDetails): void {
    const previous = this.state;
    if (previous == "closed") return;
    this.state = "closed";
    this.release(reason ? undefined : previous);
    if (reason instanceof TransportError) {
      this.sink?.onTransportError(reason);
      this._emitReserved("error", reason);
    } else if (reason) {
      this.sink?.onTransportClose(reason);
      this._emitReserved("close", reason);
    }
  }

  /** True when nothing written is still in flight. */
  protected abstract isIdle(): boolean;
  /** True when a send() may follow one still in flight (see `pipelinable`). */
  protected pipelines(): boolean {
    return false;
  }
  protected abstract doOpen(): void;
  protected abstract doSend(packets: EnginePacket[]): void;
  /**
   * Drops sockets and requests. `previous`: the state before a close() from this side, which may say goodbye
   * to the server; undefined after a peer close or a failure (nothing is sent then).
   */
  protected abstract release(previous?: TransportState): void;
}
