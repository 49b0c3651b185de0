// The transport base: one state machine, URL building and the event contract the Engine session relies on.
// Concrete transports (websocket.ts, polling.ts, webtransport.ts) implement the hooks; wire.ts encodes packets.

import type { CloseDetails, EnginePacket, TransportInfo, TransportName, WebTransportOptions } from "../engine/types";
import { TransportError } from "../errors";
import type { Timers } from "../internal/timers";
import type { NodeConnectOptions, Platform } from "../platform/platform";

/** "idle" until open() is called; "pausing"/"paused" only exist for polling during an upgrade. */
export type TransportState = "idle" | "opening" | "open" | "pausing" | "paused" | "closed";

export type BinaryType = "nodebuffer" | "arraybuffer" | "blob";

/**
 * Hears a transport's events, as direct calls (no emitter, no closure or listener list per event): the session
 * that uses the transport, or an upgrade's probe.
 */
export interface TransportSink {
  /** What binary packets decode to, read at each decode (a change applies to the next message). */
  readonly binaryType: BinaryType;
  /** The handshake's maxPayload, 0 until known (polling's sink only: a probe is never polling). */
  maxPayload?(): number;
  /** The transport can carry packets (WebSocket connected, or first polling response received). */
  onTransportOpen?(): void;
  onTransportPacket(packet: EnginePacket): void;
  /** Everything handed to send() has left this side (the probe's sink ignores it: the session hears its own). */
  onTransportDrain?(): void;
  /** The transport failed; it is already closed when this is called, and reports nothing more. */
  onTransportError(error: TransportError): void;
  /** The peer or the network closed the transport; never after close() from this side or an error. */
  onTransportClose(details: CloseDetails): void;
  /** A round trip timed by the transport, in ms (polling POSTs, WebSocket ping frames where possible). */
  onTransportRtt?(ms: number): void;
}

/**
 * Everything a transport needs: the user's options (transportOptions[name] over the session's) as they were
 * given, each default applied where it is read, under what the session resolved (server, platform, timers,
 * checked limits). TLS, agent, proxy and cookie options go on to the platform as they are.
 */
export interface TransportOptions extends NodeConnectOptions {
  secure: boolean;
  /** As URL.hostname gives it: an IPv6 address in brackets. */
  hostname: string;
  /** Empty when the scheme's default port is used. */
  port: string;
  /** Default "/engine.io". */
  path?: string | undefined;
  /** Default true. */
  addTrailingSlash?: boolean | undefined;
  /** The session URI's query, under `query`. */
  uriQuery?: Record<string, string> | undefined;
  query?: Record<string, string> | undefined;
  /** Default true. */
  timestampRequests?: boolean | undefined;
  /** Default "t". */
  timestampParam?: string | undefined;
  forceBase64?: boolean | undefined;
  protocols?: string | string[] | undefined;
  extraHeaders?: Record<string, string> | undefined;
  /** Cookies (and the cookie jar, in Node) only with this. */
  withCredentials?: boolean | undefined;
  /** Node's default: { threshold: 1024 } (see src/platform/node.ts). */
  perMessageDeflate?: boolean | Record<string, unknown> | undefined;
  autoUnref?: boolean | undefined;
  platform: Platform;
  timers: Timers;
  /** Largest WebSocket frame or polling response body (bytes) accepted from the server; undefined: no limit. */
  maxReceiveSize?: number | undefined;
  /** The user's per-transport options (each transport's own are also merged over the rest). */
  transportOptions?: { webtransport?: WebTransportOptions | undefined } | undefined;
  /** Polling in browsers: fetch or XMLHttpRequest (see HttpRequestInit.client). */
  client?: "fetch" | "xhr" | undefined;
}

export abstract class Transport implements TransportInfo {
  abstract readonly name: TransportName;

  // Declared, not defined: set by the constructor after the fields below (one shape for every transport).
  protected declare readonly opts: TransportOptions;
  /** Set by the session while this is its transport. */
  sink: TransportSink | null = null;
  /** Changed only by the transport itself. */
  state: TransportState = "idle";
  /** The Engine.IO session id sent in the query once the handshake is done. */
  sid: string | null = null;

  constructor(opts: TransportOptions) {
    this.opts = opts;
  }

  get writable(): boolean {
    return this.state == "open" && this.isIdle();
  }

  /**
   * Whether send() may be called again before the previous send drained: the new packets then simply follow
   * the earlier ones (WebSocket). A session uses it to start sending a large burst before it ends; it asks
   * only while it is open, when its transport is open too (or pausing: polling, which never pipelines).
   */
  get pipelinable(): boolean {
    return false;
  }

  /** Called once, by the session or the upgrade that created the transport. */
  open(): void {
    this.state = "opening";
    this.doOpen();
  }

  /** The URL of the next connection or request; `extra` query parameters go last (polling's timestamp). */
  url(extra?: Record<string, string>): string {
    const { opts, name } = this;
    let search = "";
    for (const [key, value] of Object.entries({ ...opts.uriQuery, ...opts.query, EIO: "4", transport: name, sid: this.sid, ...extra })) {
      // No sid before the handshake, even one from the user's query.
      if (value != null) search += `&${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
    }
    // WebTransport is HTTP/3: always over TLS.
    return `${name == "websocket" ? "ws" : "http"}${opts.secure || name == "webtransport" ? "s" : ""}://${opts.hostname}${opts.port ? ":" + opts.port : ""}/${(opts.path ?? "/engine.io").replace(/^\/|\/+$/g, "")}${opts.addTrailingSlash !== false ? "/" : ""}?${search.slice(1)}`;
  }

  /** Called by subclasses when the transport can carry packets. */
  protected opened(): void {
    if (this.state == "opening") {
      this.state = "open";
      this.sink?.onTransportOpen?.();
    }
  }

  /** Called by subclasses for every decoded packet; false when the transport closed while it was delivered. */
  protected packet(packet: EnginePacket): boolean {
    if (this.state == "closed") return false;
    // Only the sink hears packets: nothing user-visible listens on a transport (engine.transport is a
    // TransportInfo; the session's own "packet" event is the public one), and an emit per message costs.
    this.sink?.onTransportPacket(packet);
    return (this.state as TransportState) != "closed";
  }

  protected drained(): void {
    if (this.state != "closed") this.sink?.onTransportDrain?.();
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
    if (reason instanceof TransportError) this.sink?.onTransportError(reason);
    else if (reason) this.sink?.onTransportClose(reason);
  }

  /** True when nothing written is still in flight. */
  protected abstract isIdle(): boolean;
  protected abstract doOpen(): void;
  /**
   * Sends `packets` after everything sent before. Called only when `writable` or `pipelinable` (the session
   * and the upgrade check), which each transport relies on.
   */
  abstract send(packets: EnginePacket[]): void;
  /**
   * Drops sockets and requests. `previous`: the state before a close() from this side, which may say goodbye
   * to the server; undefined after a peer close or a failure (nothing is sent then).
   */
  protected abstract release(previous?: TransportState): void;
}
