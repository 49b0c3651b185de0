// The Engine.IO v4 session: picks a transport (falling back when the WebSocket cannot open), validates the
// handshake, keeps the heartbeat, buffers writes in order, upgrades polling to WebSocket and closes once.

import { Emitter } from "@socket.io/component-emitter";
import { invalidArg, invalidState, ProtocolError, TransportError } from "../errors";
import { COMPRESSED, UNCOMPRESSED } from "../internal/constants";
import { pickTimers, type TimerHandle, type Timers } from "../internal/timers";
import { defaultPlatform } from "../platform/default";
import type { Platform } from "../platform/platform";
import { pickConnectOptions, type Transport, type TransportOptions, type TransportSink } from "../transports/transport";
import { parseHandshake } from "./handshake";
import { Heartbeat, type HeartbeatOwner } from "./heartbeat";
import type {
  CloseDetails,
  EngineCloseReason,
  EngineEvents,
  EngineOptions,
  EnginePacket,
  EngineSessionApi,
  EngineState,
  HandshakeData,
  RawData,
  TransportInfo,
  TransportName,
} from "./types";
import { fullKit, isRawData, parseTarget, resolveOptions, type Target, type TransportKit } from "./options";
import type { Upgrade, UpgradeHost } from "./upgrade";
import { DEV } from "../internal/dev";

export { checkEngineOptions, fullKit, kTransportKit, type TransportKit } from "./options";

/** Key of the session on the options it gives its transports (read by their binaryType() and maxPayload()). */
const kOptionsSession = Symbol("siolink.optionsSession");

type SessionTransportOptions = TransportOptions & { [kOptionsSession]: BaseEngineSession };

/** "idle" is the time between the constructor and open(); it reads as "opening" from outside. */
type SessionState = "idle" | EngineState;

/**
 * Packets queued while the previous send has not drained yet, past which they are sent at once on a
 * transport that allows it (WebSocket): a burst of writes then reaches the network and the server while it
 * is still being written, instead of all at once after it.
 */
const EAGER_FLUSH_PACKETS = 256;

/** What a polling session upgrades to, in order of preference, when the server offers it. */
const UPGRADES: readonly TransportName[] = ["webtransport", "websocket"];

/** socket.io-client's Node default: compressing tiny frames costs more than it saves. */
const DEFAULT_PER_MESSAGE_DEFLATE = { threshold: 1024 };

/**
 * One Engine.IO connection over the transports of `kit`. It does not connect until open(); it closes exactly
 * once and is not reusable. EngineSession is the same with every transport linked.
 */
export class BaseEngineSession extends Emitter<{}, {}, EngineEvents> implements EngineSessionApi {
  binaryType: "nodebuffer" | "arraybuffer" | "blob";

  readonly #opts: EngineOptions;
  readonly #kit: TransportKit;
  readonly #platform: Platform;
  readonly #timers: Timers;
  readonly #target: Target;
  readonly #allowed: readonly TransportName[];
  /** Polling's browser requests: fetch or XMLHttpRequest, when a `Fetch` or `XHR` transport export asked. */
  readonly #client: "fetch" | "xhr" | undefined;
  readonly #fallbackTimeout: number;
  readonly #maxReceiveSize: number;
  readonly #heartbeat: Heartbeat;

  #state: SessionState = "idle";
  #id: string | null = null;
  #handshake: HandshakeData | null = null;
  /** Transports still to try if the current one cannot open. */
  #candidates: TransportName[];
  /** Created on the first failure: most sessions never fall back. */
  #failed: Set<TransportName> | undefined;
  #transport: Transport;
  /** The transport #sink is attached to. */
  #attached: Transport | null = null;
  readonly #sink: TransportSink & UpgradeHost & HeartbeatOwner;
  #fallbackTimer: TimerHandle | undefined;
  #undoLifecycle: (() => void) | null = null;

  /** Queued packets in order, not yet handed to the transport. */
  #writeBuffer: EnginePacket[] = [];
  /** write() callbacks by packet: few writes have one, so the packets themselves are queued as they are. */
  #writeCallbacks: Map<EnginePacket, () => void> | undefined;
  /** Something was handed to the transport and its drain has not come yet. */
  #awaitingDrain = false;
  /** Protocol packets that must precede the buffered ones (the "upgrade" packet). */
  #control: EnginePacket[] = [];

  /** The polling → WebSocket upgrade in progress; while it is `switching`, writes stay buffered. */
  #upgrade: Upgrade | null = null;
  /** When the current transport started opening (performance.now()): the handshake's round trip starts there. */
  #openedAt = 0;

  constructor(uri: string, opts: EngineOptions, kit: TransportKit) {
    super();
    this.#sink = new BaseEngineSession.#Sink(this);
    this.#opts = opts;
    this.#kit = kit;
    this.#platform = opts.platform ?? defaultPlatform;
    this.#timers = pickTimers(opts.useNativeTimers);
    this.#target = parseTarget(uri);
    const checked = resolveOptions(opts, kit);
    this.#allowed = checked.order;
    this.#client = checked.client;
    this.#fallbackTimeout = checked.fallbackTimeout;
    this.#maxReceiveSize = checked.maxReceiveSize;
    this.binaryType = opts.binaryType ?? this.#platform.defaultBinaryType;
    this.#heartbeat = new Heartbeat(this.#timers, this.#platform, opts.autoUnref === true, this.#sink);

    // Skip transports the runtime cannot create, unless none is left (then open() reports why).
    const order = this.#allowed.filter((name) => this.#usable(name));
    const first = order.shift() ?? this.#allowed[0]!;
    this.#candidates = order;
    this.#transport = this.#createTransport(first);
  }

  /** The Engine.IO session id (`sid`), null until the handshake and again after the close. */
  get id(): string | null {
    return this.#id;
  }

  get readyState(): EngineState {
    return this.#state === "idle" ? "opening" : this.#state;
  }

  /** The transport in use now; replaced when an upgrade completes or a fallback happens. */
  get transport(): TransportInfo {
    return this.#transport;
  }

  open(): void {
    if (this.#state !== "idle") {
      throw invalidState(DEV ? `cannot open: the session is already ${this.readyState}` : `${this.readyState}`);
    }
    this.#setState("opening");
    const hooks: Parameters<Platform["onLifecycle"]>[0] = {
      offline: () => this.#onClose("transport close", { description: DEV ? "network connection lost" : "offline" }),
    };
    if (this.#opts.closeOnBeforeunload) {
      hooks.beforeunload = () => this.#onClose("transport close", { description: DEV ? "page unloading" : "beforeunload" });
    }
    this.#undoLifecycle = this.#platform.onLifecycle(hooks);
    this.#start(this.#transport);
  }

  write(data: RawData, options?: { compress?: boolean }, callback?: () => void): this {
    if ((this.#state === "open" || this.#state === "closing") && this.#heartbeat.expired()) {
      // A frozen timer (sleeping laptop, background tab) must not let a dead session swallow writes.
      this.#onClose("ping timeout");
    }
    if (this.#state === "closing" || this.#state === "closed") {
      throw invalidState(DEV ? `cannot write: the session is ${this.#state}` : `${this.#state}`);
    }
    if (!isRawData(data)) {
      throw invalidArg(DEV ? `cannot write ${typeof data}: a message is a string or binary data` : `${typeof data}`);
    }
    this.#queue({ type: "message", data, options: options?.compress === false ? UNCOMPRESSED : COMPRESSED }, callback);
    return this;
  }

  send(data: RawData, options?: { compress?: boolean }, callback?: () => void): this {
    return this.write(data, options, callback);
  }

  close(): this {
    switch (this.#state) {
      case "idle":
      case "opening":
        // Nothing can be flushed before the handshake: close now rather than wait on a server that may never answer.
        this.#onClose("forced close");
        break;
      case "open":
        this.#setState("closing");
        if (!this.#upgrade?.switching) this.#cancelUpgrade();
        this.#maybeFinishClose();
        break;
      case "closing":
      case "closed":
        break;
    }
    return this;
  }

  hasPingExpired(): boolean {
    const expired = (this.#state === "open" || this.#state === "closing") && this.#heartbeat.expired();
    if (expired) {
      // Closing later keeps the caller's code free of re-entrant close events.
      this.#platform.nextTick(() => {
        if (this.#heartbeat.expired()) this.#onClose("ping timeout");
      });
    }
    return expired;
  }

  #setState(state: SessionState): void {
    this.#state = state;
  }

  /** Re-reads the state after an emit: a listener may have closed the session meanwhile. */
  #isClosed(): boolean {
    return this.#state === "closed";
  }

  #transportOptions(name: TransportName): TransportOptions {
    // Object.assign, not spreads: the merged objects then share a hidden class (less heap per client).
    const merged: EngineOptions = Object.assign({}, this.#opts, this.#opts.transportOptions?.[name]);
    // Cookies (Node) only go with, and are only taken from, transports that have withCredentials. Cleared
    // here rather than deleted from the result, which would put every transport's options in dictionary mode.
    if (!merged.withCredentials) merged.cookieJar = undefined;
    // The fixed fields are written in the literal and the connect options copied in after: a literal that
    // starts with a spread gets the spread object's few in-object slots, and the rest go to a separate
    // property array (about 140 bytes on every client of a load test).
    const options: SessionTransportOptions = {
      secure: this.#target.secure,
      hostname: this.#target.hostname,
      port: this.#target.port,
      path: merged.path ?? "/engine.io",
      addTrailingSlash: merged.addTrailingSlash ?? true,
      query: { ...this.#target.query, ...merged.query },
      timestampRequests: merged.timestampRequests ?? true,
      timestampParam: merged.timestampParam ?? "t",
      forceBase64: merged.forceBase64 ?? false,
      withCredentials: merged.withCredentials ?? false,
      perMessageDeflate: merged.perMessageDeflate ?? DEFAULT_PER_MESSAGE_DEFLATE,
      autoUnref: merged.autoUnref ?? false,
      platform: this.#platform,
      timers: this.#timers,
      // Shared functions that find this session through the options object they are called on (see
      // kOptionsSession): two closures per transport are memory on every client of a load test.
      binaryType: BaseEngineSession.#optionsBinaryType,
      maxPayload: BaseEngineSession.#optionsMaxPayload,
      maxReceiveSize: this.#maxReceiveSize,
      [kOptionsSession]: this,
    };
    Object.assign(options, pickConnectOptions(merged));
    if (merged.protocols !== undefined) options.protocols = merged.protocols;
    if (merged.extraHeaders !== undefined) options.extraHeaders = merged.extraHeaders;
    if (name === "webtransport") options.webtransport = this.#opts.transportOptions?.webtransport;
    if (this.#client !== undefined) options.client = this.#client;
    return options;
  }

  /** Whether the runtime can create this transport (a WebSocket, a WebTransport implementation). */
  #usable(name: TransportName): boolean {
    return name === "websocket"
      ? this.#platform.hasWebSocket()
      : this.#kit[name]?.usable?.(this.#transportOptions(name)) !== false;
  }

  static #optionsBinaryType(this: TransportOptions): ReturnType<TransportOptions["binaryType"]> {
    return (this as SessionTransportOptions)[kOptionsSession].binaryType;
  }

  static #optionsMaxPayload(this: TransportOptions): number {
    return (this as SessionTransportOptions)[kOptionsSession].#handshake?.maxPayload ?? 0;
  }

  #createTransport(name: TransportName): Transport {
    // transportOrder() let through only names the kit has.
    return new this.#kit[name]!(this.#transportOptions(name));
  }

  /** Opens a transport as the session's current one, with a deadline if another one could still be tried. */
  #start(transport: Transport): void {
    this.#transport = transport;
    this.#attach(transport);
    if (this.#candidates.length > 0) {
      this.#fallbackTimer = this.#timers.setTimeout(() => {
        this.#fallbackTimer = undefined;
        if (this.#state === "opening" && this.#transport === transport) {
          this.#fallBack();
        }
      }, this.#fallbackTimeout);
      if (this.#opts.autoUnref) this.#platform.unref(this.#fallbackTimer);
    }
    this.#openedAt = performance.now();
    transport.open();
  }

  #attach(transport: Transport): void {
    transport.sink = this.#sink;
    this.#attached = transport;
  }

  #detach(): void {
    const transport = this.#attached;
    this.#attached = null;
    if (transport !== null && transport.sink === this.#sink) transport.sink = null;
  }

  /**
   * How the session hears its transport (see TransportSink) and how its upgrade reaches it (UpgradeHost).
   * Nested to reach the session's private members.
   */
  static readonly #Sink = class SessionSink implements TransportSink, UpgradeHost, HeartbeatOwner {
    readonly #session: BaseEngineSession;

    constructor(session: BaseEngineSession) {
      this.#session = session;
    }

    onHeartbeatTimeout(): void {
      this.#session.#onClose("ping timeout");
    }

    onTransportPacket(packet: EnginePacket): void {
      this.#session.#onPacket(packet);
    }

    onTransportDrain(): void {
      this.#session.#onDrain();
    }

    onTransportError(error: TransportError): void {
      this.#session.#onTransportError(error);
    }

    onTransportClose(details: CloseDetails): void {
      this.#session.#onTransportClose(details);
    }

    onTransportRtt(ms: number): void {
      this.#session._emitReserved("latency", ms);
    }

    // UpgradeHost: what the upgrade (upgrade.ts, linked only with polling) may do to its session.
    // The overloads of UpgradeHost.emit pair each event with its argument; this one body serves both.
    emit(event: "upgrading" | "upgradeError", value: TransportInfo & TransportError): void {
      this.#session._emitReserved(event, value);
    }

    switchTo(websocket: Transport): void {
      this.#session.#switchTo(websocket);
    }

    release(): void {
      const session = this.#session;
      // The probed transport failed: another one the server offers may still be tried.
      (session.#failed ??= new Set()).add(session.#upgrade!.transport.name);
      session.#upgrade = null;
      session.#flush();
      session.#maybeFinishClose();
      if (session.#state === "open") session.#maybeUpgrade();
    }
  };

  #clearFallbackTimer(): void {
    this.#timers.clearTimeout(this.#fallbackTimer);
    this.#fallbackTimer = undefined;
  }

  /** The current transport could not open: try the next one, silently (the user sees one open or one close). */
  #fallBack(): void {
    this.#clearFallbackTimer();
    const failed = this.#transport;
    this.#detach();
    failed.close();
    (this.#failed ??= new Set()).add(failed.name);
    const next = this.#candidates.shift() as TransportName;
    this.#start(this.#createTransport(next));
  }

  #onTransportError(error: TransportError): void {
    if (this.#state === "opening" && this.#candidates.length > 0) {
      this.#fallBack();
      return;
    }
    this._emitReserved("error", error);
    this.#onClose("transport error", error);
  }

  #onTransportClose(details: CloseDetails): void {
    if (this.#state === "opening") {
      const error = new TransportError(DEV ? `${this.#transport.name} closed before the handshake` : `${this.#transport.name}`, details.description, details);
      this.#onTransportError(error);
      return;
    }
    this.#onClose("transport close", details);
  }

  #onPacket(packet: EnginePacket): void {
    if (this.#state === "idle" || this.#state === "closed") return;
    // Events nobody listens to are skipped on this per-message path (an emit copies its arguments).
    if (this.hasListeners("packet")) {
      this._emitReserved("packet", packet);
      if (this.#isClosed()) return;
    }
    // Every packet is a sign of life, the open packet included (as in socket.io-client).
    if (this.hasListeners("heartbeat")) {
      this._emitReserved("heartbeat");
      if (this.#isClosed()) return;
    }

    if (this.#handshake === null) {
      if (packet.type === "open") this.#onHandshake(packet.data);
      else this.#onProtocolError(new ProtocolError(DEV ? `expected an open packet first, got "${packet.type}"` : `${packet.type}`, { code: "ERR_HANDSHAKE" }));
      return;
    }

    this.#heartbeat.onActivity();
    switch (packet.type) {
      case "ping":
        this.#heartbeat.onPing();
        this.#queue({ type: "pong" }, undefined);
        this._emitReserved("ping");
        break;
      case "message":
        this._emitReserved("data", packet.data as RawData);
        if (!this.#isClosed() && this.hasListeners("message")) this._emitReserved("message", packet.data as RawData);
        break;
      case "error":
        this.#onProtocolError(new ProtocolError(DEV ? "the server sent data the Engine.IO parser cannot decode" : ""));
        break;
      default:
        // noop (server-side poll cycle), late pongs and a repeated open carry nothing for us.
        break;
    }
  }

  #onHandshake(data: RawData | undefined): void {
    let handshake: HandshakeData;
    try {
      handshake = parseHandshake(data);
    } catch (error) {
      this.#onProtocolError(error as ProtocolError);
      return;
    }
    this.#clearFallbackTimer();
    this.#candidates = [];
    this.#handshake = handshake;
    this.#id = handshake.sid;
    this.#transport.sid = handshake.sid;
    this.#heartbeat.start(handshake.pingInterval, handshake.pingTimeout);
    this.#setState("open");
    // Includes connecting (TCP, TLS, HTTP upgrade): the only sample a browser WebSocket can give.
    this._emitReserved("latency", performance.now() - this.#openedAt);
    this._emitReserved("handshake", handshake);
    if (this.#state !== "open") return;
    this._emitReserved("open");
    if (this.#state !== "open" && this.#state !== "closing") return;
    this.#flush();
    if (this.#state === "open") this.#maybeUpgrade();
  }

  #onProtocolError(error: ProtocolError): void {
    this._emitReserved("error", error);
    this.#onClose("parse error", error);
  }

  #queue(packet: EnginePacket, callback: (() => void) | undefined): void {
    if (this.hasListeners("packetCreate")) {
      this._emitReserved("packetCreate", packet);
      if (this.#state === "closed") return;
    }
    this.#writeBuffer.push(packet);
    if (callback !== undefined) (this.#writeCallbacks ??= new Map()).set(packet, callback);
    this.#flush(this.#awaitingDrain && this.#writeBuffer.length >= EAGER_FLUSH_PACKETS);
  }

  /** Hands the buffered packets to the transport; `eager`: without waiting for the previous send's drain. */
  #flush(eager = false): void {
    if (this.#state !== "open" && this.#state !== "closing") return;
    if (this.#upgrade?.switching) return;
    if (eager ? !this.#transport.pipelinable : this.#awaitingDrain || !this.#transport.writable) return;
    if (this.#writeBuffer.length === 0 && this.#control.length === 0) return;
    // The whole buffer is handed over as it is (no copy per flush); later writes start a new one.
    const handed = this.#writeBuffer;
    const packets = this.#control.length === 0 ? handed : this.#control.concat(handed);
    const callbacks = this.#writeCallbacks;
    this.#writeBuffer = [];
    this.#writeCallbacks = undefined;
    this.#control = [];
    this.#awaitingDrain = true;
    this.#transport.send(packets);
    this._emitReserved("flush");
    if (callbacks !== undefined) {
      for (const packet of handed) callbacks.get(packet)?.();
    }
  }

  #onDrain(): void {
    this.#awaitingDrain = false;
    if (this.#writeBuffer.length === 0 && this.#control.length === 0) {
      this._emitReserved("drain");
      this.#maybeFinishClose();
    } else {
      this.#flush();
    }
  }

  #maybeFinishClose(): void {
    if (this.#state !== "closing" || this.#upgrade?.switching || this.#awaitingDrain) return;
    if (this.#writeBuffer.length > 0 || this.#control.length > 0) return;
    this.#onClose("forced close");
  }

  #maybeUpgrade(): void {
    const handshake = this.#handshake!;
    const Upgrader = this.#kit.upgrade;
    // Only from polling: servers offer no upgrade from WebSocket.
    if (Upgrader === undefined || this.#opts.upgrade === false || this.#transport.name !== "polling") return;
    const target = UPGRADES.find(
      (name) =>
        handshake.upgrades.includes(name) &&
        this.#allowed.includes(name) &&
        this.#failed?.has(name) !== true &&
        this.#usable(name),
    );
    if (target === undefined) return;
    const transport = this.#createTransport(target);
    transport.sid = handshake.sid;
    const upgrade = new Upgrader(this.#sink, this.#transport, transport, this.#timers, this.#platform, {
      autoUnref: this.#opts.autoUnref === true,
      timeoutMs: this.#fallbackTimeout,
    });
    this.#upgrade = upgrade;
    upgrade.start();
  }

  /** Called by the upgrade once polling has paused (and been closed). */
  #switchTo(websocket: Transport): void {
    this.#upgrade = null;
    this.#detach();
    websocket.sid = this.#id;
    this.#transport = websocket;
    this.#attach(websocket);
    // "5" goes first on the new transport: the server switches on it, then the buffered writes follow in order.
    this.#control.push({ type: "upgrade" });
    this.#flush();
    this._emitReserved("upgrade", websocket);
    this.#maybeFinishClose();
  }

  #cancelUpgrade(): void {
    const upgrade = this.#upgrade;
    this.#upgrade = null;
    upgrade?.cancel();
  }

  #onClose(reason: EngineCloseReason, details?: CloseDetails | Error): void {
    if (this.#state === "closed") return;
    this.#setState("closed");
    this.#clearFallbackTimer();
    this.#heartbeat.stop();
    this.#cancelUpgrade();
    this.#undoLifecycle?.();
    this.#undoLifecycle = null;
    const transport = this.#transport;
    this.#detach();
    transport.close();
    this.#id = null;
    this._emitReserved("close", reason, details);
    // Cleared after the event so listeners could still inspect what was pending; nothing will send it now.
    this.#writeBuffer = [];
    this.#writeCallbacks = undefined;
    this.#control = [];
    this.#awaitingDrain = false;
  }
}

/**
 * One Engine.IO connection with every transport and the upgrade linked. It does not connect until open();
 * it closes exactly once and is not reusable.
 *
 * @example
 * const session = new EngineSession("http://localhost:3000", { path: "/socket.io" });
 * session.on("open", () => session.write("40"));
 * session.on("message", (data) => console.log(data));
 * session.open();
 */
export class EngineSession extends BaseEngineSession {
  constructor(uri: string, opts: EngineOptions = {}) {
    super(uri, opts, fullKit);
  }
}
