// The Engine.IO v4 session: picks a transport (falling back when one cannot open), validates the handshake,
// keeps the heartbeat, buffers writes in order and closes once. Upgrading polling to another transport lives in
// upgrade.ts and is reached only through the kit (entry points without polling never link it).

import { heard } from "../internal/emitter";
import { Emitter } from "@socket.io/component-emitter";
import { invalidArg, invalidState, ProtocolError, TransportError } from "../errors";
import { COMPRESSED, UNCOMPRESSED } from "../internal/constants";
import { DEV } from "../internal/dev";
import { pickTimers, type TimerHandle, type Timers } from "../internal/timers";
import { defaultPlatform } from "../platform/default";
import type { Platform } from "../platform/platform";
import { type Transport, type TransportOptions, type TransportSink } from "../transports/transport";
import { parseHandshake } from "./handshake";
import { fullKit } from "./kit";
import { isRawData, parseTarget, resolveOptions, type TransportKit } from "./options";
import type { UpgradeCancel } from "./upgrade";
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

export { resolveOptions as checkEngineOptions, kTransportKit, type TransportKit } from "./options";
export { fullKit } from "./kit";

// The states, in order. IDLE (constructed, not opened) reads as "opening" from outside.
const IDLE = 0;
const OPENING = 1;
const OPEN = 2;
const CLOSING = 3;
const CLOSED = 4;
const STATE_NAMES: readonly EngineState[] = ["opening", "opening", "open", "closing", "closed"];

/**
 * Packets queued while the previous send has not drained yet, past which they are sent at once on a
 * transport that allows it (WebSocket): a burst of writes then reaches the network and the server while it
 * is still being written, instead of all at once after it.
 */
const EAGER_FLUSH_PACKETS = 256;

/** Key of the method by which a session's owner hears its events (see EngineOwner). */
export const kEngineEvent: unique symbol = /* @__PURE__ */ Symbol();

/** What a session's owner (its Manager) hears: every event, before the listeners (no closure per session). */
export interface EngineOwner {
  [kEngineEvent](engine: BaseEngineSession, event: keyof EngineEvents, args: readonly unknown[]): void;
}

/** What the session resolves once (see #fixed): its transports' options are the user's under these. */
type Fixed = Pick<
  TransportOptions,
  "secure" | "hostname" | "port" | "uriQuery" | "client" | "maxReceiveSize" | "platform" | "timers"
> & { fallbackTimeout: number };

/**
 * One Engine.IO connection over the transports of `kit`. It does not connect until open(); it closes exactly
 * once and is not reusable. EngineSession is the same with every transport linked.
 *
 * The session is its transports' sink (the `onTransport*` methods): they report to it by direct calls.
 */
export class BaseEngineSession extends Emitter<{}, {}, EngineEvents> implements EngineSessionApi, TransportSink {
  binaryType: "nodebuffer" | "arraybuffer" | "blob";

  readonly #opts: EngineOptions;
  readonly #kit: TransportKit;
  /**
   * Resolved once per session: the server's address, the platform, the timers and the checked options, which
   * every transport's options are built from (see #transportOptions) and the upgrade reads.
   */
  readonly #fixed: Fixed;

  #state = IDLE;
  #handshake: HandshakeData | undefined;
  /**
   * Usable transports not tried yet, in order: the fallbacks while opening, then what polling may upgrade to
   * (a failed probe is taken out).
   */
  #candidates: TransportName[];
  #transport: Transport;
  /**
   * The one timer: while opening, the deadline of a transport that has a fallback; once open, the heartbeat
   * (see #arm).
   */
  #timer: TimerHandle | undefined;
  /** pingInterval + pingTimeout, once open. */
  #pingDelay = 0;
  /** Wall-clock time (ms) after which the server counts as silent; 0 exactly while not open or closing. */
  #deadline = 0;
  #undoLifecycle: (() => void) | undefined;

  /** Queued packets in order, not yet handed to the transport. */
  #writeBuffer: EnginePacket[] = [];
  /** The write() callbacks of the buffered packets, in order (few writes have one). */
  #callbacks: Array<() => void> | undefined;

  /** Cancels the upgrade in progress (see upgrade.ts); `force` also while the transports are switching. */
  #upgrade: UpgradeCancel | undefined;
  /** When the current transport started opening (performance.now()): the handshake's round trip starts there. */
  #openedAt = 0;
  /** Hears every event before the listeners users add (the Manager that owns this session). */
  readonly #owner: EngineOwner | undefined;

  /** `owner`: hears every event this session emits, before its listeners (see EngineOwner). */
  constructor(uri: string, opts: EngineOptions, kit: TransportKit, owner?: EngineOwner) {
    super();
    this.#opts = opts;
    this.#kit = kit;
    this.#owner = owner;
    const platform = opts.platform ?? defaultPlatform;
    const [allowed, resolved] = resolveOptions(opts, kit);
    // Object.assign onto a literal, never a literal with a spread: once optimised, V8 gives every object built
    // from `{ ...a, b }` (or assigned onto `{ ...a }`) a hidden class of its own (+1 Map and DescriptorArray per client).
    this.#fixed = Object.assign({ platform, timers: pickTimers(opts.useNativeTimers) }, parseTarget(uri), resolved);
    this.binaryType = opts.binaryType ?? platform.defaultBinaryType;
    // Skip transports the runtime cannot create, unless none is left (then open() reports why).
    const order = allowed.filter((name) =>
      name === "websocket" ? platform.hasWebSocket() : kit[name]!.usable?.(opts) !== false,
    );
    this.#transport = this.#create(order.shift() ?? allowed[0]!);
    this.#candidates = order;
  }

  /** The Engine.IO session id (`sid`), null until the handshake and again after the close. */
  get id(): string | null {
    return this.#deadline > 0 ? this.#handshake!.sid : null;
  }

  get readyState(): EngineState {
    return STATE_NAMES[this.#state]!;
  }

  /** The transport in use now; replaced when an upgrade completes or a fallback happens. */
  get transport(): TransportInfo {
    return this.#transport;
  }

  open(): void {
    if (this.#state !== IDLE) {
      throw invalidState(DEV ? `cannot open: the session is already ${this.readyState}` : this.readyState);
    }
    this.#state = OPENING;
    // The hook is passed its event's type: the close's description in production builds.
    const close = (type: string): void =>
      this.#onClose("transport close", { description: DEV ? (type == "offline" ? "network connection lost" : "page unloading") : type });
    const hooks: Parameters<Platform["onLifecycle"]>[0] = { offline: close };
    if (this.#opts.closeOnBeforeunload) hooks.beforeunload = close;
    this.#undoLifecycle = this.#fixed.platform.onLifecycle(hooks);
    this.#start(this.#transport);
  }

  write(data: RawData, options?: { compress?: boolean }, callback?: () => void): this {
    // A frozen timer (sleeping laptop, background tab) must not let a dead session swallow writes.
    if (this.#expired()) this.#onClose("ping timeout");
    if (this.#state > OPEN) {
      throw invalidState(DEV ? `cannot write: the session is ${this.readyState}` : this.readyState);
    }
    if (!isRawData(data)) {
      throw invalidArg(DEV ? `cannot write ${typeof data}: a message is a string or binary data` : typeof data);
    }
    this.#queue({ type: "message", data, options: options?.compress === false ? UNCOMPRESSED : COMPRESSED }, callback);
    return this;
  }

  send(data: RawData, options?: { compress?: boolean }, callback?: () => void): this {
    return this.write(data, options, callback);
  }

  close(): this {
    if (this.#state < OPEN) {
      // Nothing can be flushed before the handshake: close now rather than wait on a server that may never answer.
      this.#onClose("forced close");
    } else if (this.#state === OPEN) {
      this.#state = CLOSING;
      // A probe is abandoned; a switch already under way completes first (it holds the writes).
      this.#upgrade?.();
      this.#maybeFinishClose();
    }
    return this;
  }

  hasPingExpired(): boolean {
    const expired = this.#expired();
    // Closing later keeps the caller's code free of re-entrant close events.
    if (expired) this.#fixed.platform.nextTick(() => this.#expired() && this.#onClose("ping timeout"));
    return expired;
  }

  /** @internal Every event goes through here (upgrade.ts's too): the owner hears it first, then the listeners. */
  protected override _emitReserved<Ev extends keyof EngineEvents>(ev: Ev, ...args: Parameters<EngineEvents[Ev]>): this {
    this.#owner?.[kEngineEvent](this, ev, args);
    // component-emitter copies the arguments again even with nobody listening (most "data" events).
    return heard(this, ev) ? super._emitReserved(ev, ...args) : this;
  }

  // ---- TransportSink: how the current transport reports to its session ----

  /** @internal */
  onTransportPacket(packet: EnginePacket): void {
    // Only the current transport reports here, and only from open() until the close (which detaches it).
    // Events nobody listens to are skipped on this per-message path (an emit copies its arguments).
    // Every packet is a sign of life, the open packet included (as in socket.io-client).
    if (this.#emitIfHeard("packet", packet) || this.#emitIfHeard("heartbeat")) return;
    const { type, data } = packet;
    if (!this.#handshake) {
      if (type === "open") this.#onHandshake(data);
      else this.#fail(new ProtocolError(DEV ? `expected an open packet first, got "${type}"` : type, { code: "ERR_HANDSHAKE" }));
      return;
    }
    this.#deadline = Date.now() + this.#pingDelay;
    if (type === "ping") {
      this.#queue({ type: "pong" });
      this._emitReserved("ping");
    } else if (type === "message") {
      this._emitReserved("data", data!);
      this.#state !== CLOSED && this.#emitIfHeard("message", data!);
    } else if (type === "error") {
      this.#fail(new ProtocolError(DEV ? "the server sent data the Engine.IO parser cannot decode" : ""));
    }
    // noop (server-side poll cycle), late pongs and a repeated open carry nothing for us.
  }

  /**
   * @internal The handshake's maxPayload (0: none announced): how much polling puts in one POST. Asked only
   * when sending, which starts after the handshake.
   */
  maxPayload(): number {
    return this.#handshake!.maxPayload;
  }

  /** @internal */
  onTransportDrain(): void {
    if (this.#writeBuffer.length) {
      this.#flush();
    } else {
      this._emitReserved("drain");
      this.#maybeFinishClose();
    }
  }

  /** @internal */
  onTransportError(error: TransportError): void {
    if (this.#state === OPENING && this.#candidates.length) {
      this.#fallBack();
    } else {
      this.#fail(error, "transport error");
    }
  }

  /** @internal */
  onTransportClose(details: CloseDetails): void {
    if (this.#state === OPENING) {
      this.onTransportError(
        new TransportError(DEV ? `${this.#transport.name} closed before the handshake` : this.#transport.name, details.description, details),
      );
    } else {
      this.#onClose("transport close", details);
    }
  }

  /** @internal */
  onTransportRtt(ms: number): void {
    this._emitReserved("latency", ms);
  }

  // ---- internals ----

  /** Emits a per-message event only when someone listens; true when a listener closed the session. */
  #emitIfHeard<E extends "packet" | "heartbeat" | "message">(event: E, ...args: Parameters<EngineEvents[E]>): boolean {
    if (heard(this, event)) this._emitReserved(event, ...args);
    return this.#state === CLOSED;
  }

  #create(name: TransportName): Transport {
    const opts = this.#opts;
    // The user's options as given (each transport applies its defaults where it reads them), its own over
    // them, and what the session resolved over both. Built from the same sources in the same order for every
    // session: one hidden class across clients. resolveOptions() let through only names the kit has.
    return new this.#kit[name]!(Object.assign({}, opts, opts.transportOptions?.[name], this.#fixed) as TransportOptions);
  }

  /** Makes `transport` the current one: it reports to this session from now on, the previous one no more. */
  #use(transport: Transport): void {
    this.#transport.sink = null;
    transport.sink = this;
    this.#transport = transport;
  }

  /** The current transport could not open: try the next one, silently (the user sees one open or one close). */
  #fallBack(): void {
    this.#transport.close();
    this.#start(this.#create(this.#candidates.shift()!));
  }

  /** Opens a transport as the current one, with a deadline if another one could still be tried. */
  #start(transport: Transport): void {
    this.#use(transport);
    if (this.#candidates.length) this.#arm(this.#fixed.fallbackTimeout);
    else this.#fixed.timers.clearTimeout(this.#timer);
    this.#openedAt = performance.now();
    transport.open();
  }

  /**
   * Fires while opening: the transport took too long, fall back. Once open: the heartbeat. Packets only move the
   * deadline (re-arming a timer per message would cost more than the messages), so the timer checks whether it
   * moved since it was armed and waits for the rest, bounded by the full delay so a clock jump cannot stall it.
   */
  #arm(ms: number): void {
    const { timers, platform } = this.#fixed;
    timers.clearTimeout(this.#timer);
    const armedFor = this.#deadline;
    this.#timer = timers.setTimeout(() => {
      if (this.#state === OPENING) {
        this.#fallBack();
      } else if (this.#deadline > armedFor) {
        this.#arm(Math.min(this.#deadline - Date.now(), this.#pingDelay));
      } else {
        this.#onClose("ping timeout");
      }
    }, ms);
    if (this.#opts.autoUnref) platform.unref(this.#timer);
  }

  /** True when the server's heartbeat deadline has passed by the wall clock, even if the timer never fired. */
  #expired(): boolean {
    return this.#deadline > 0 && Date.now() > this.#deadline;
  }

  #onHandshake(data: RawData | undefined): void {
    let handshake: HandshakeData;
    try {
      handshake = parseHandshake(data);
    } catch (error) {
      this.#fail(error as ProtocolError);
      return;
    }
    this.#handshake = handshake;
    this.#transport.sid = handshake.sid;
    this.#pingDelay = handshake.pingInterval + handshake.pingTimeout;
    this.#deadline = Date.now() + this.#pingDelay;
    this.#arm(this.#pingDelay);
    this.#state = OPEN;
    // Includes connecting (TCP, TLS, HTTP upgrade): the only sample a browser WebSocket can give.
    this._emitReserved("latency", performance.now() - this.#openedAt);
    this._emitReserved("handshake", handshake);
    if (this.#state !== OPEN) return;
    this._emitReserved("open");
    this.#flush();
    this.#maybeUpgrade();
  }

  /** Full kit only: from polling, probe what the server offers (see upgrade.ts). */
  #maybeUpgrade(): void {
    // `control` creates a transport by name, or ends the upgrade: switched to `transport`, or failed.
    this.#upgrade = this.#kit.upgrade?.(this, this.#fixed, this.#opts, this.#transport, this.#candidates, this.#handshake!.upgrades, (control) => {
      if (typeof control === "string") return this.#create(control);
      this.#upgrade = undefined;
      if (control) this.#use(control);
      else this.#maybeUpgrade();
      return undefined;
    });
  }

  /** Emits `error`, then closes with it: a failed transport, or what the server sent that we refuse. */
  #fail(error: Error, reason: EngineCloseReason = "parse error"): void {
    this._emitReserved("error", error);
    this.#onClose(reason, error);
  }

  #queue(packet: EnginePacket, callback?: () => void): void {
    if (heard(this, "packetCreate")) {
      this._emitReserved("packetCreate", packet);
      if (this.#state === CLOSED) return;
    }
    const buffer = this.#writeBuffer;
    buffer.push(packet);
    if (callback) (this.#callbacks ??= []).push(callback);
    this.#flush(buffer.length >= EAGER_FLUSH_PACKETS);
  }

  /**
   * Hands the buffered packets to the transport when it can take them: when writable (nothing in flight, not
   * paused for an upgrade), or, `eager`, when it takes sends back to back (a burst past EAGER_FLUSH_PACKETS).
   */
  #flush(eager?: boolean): void {
    const packets = this.#writeBuffer;
    const transport = this.#transport;
    // Nothing goes out before the handshake. Once closed nothing calls this: the transport is detached, write()
    // throws and #queue() returns.
    if (this.#state < OPEN || !packets.length || !(transport.writable || (eager && transport.pipelinable))) return;
    // The whole buffer is handed over as it is (no copy per flush); later writes start a new one.
    const callbacks = this.#callbacks;
    this.#writeBuffer = [];
    this.#callbacks = undefined;
    transport.send(packets);
    this._emitReserved("flush");
    if (callbacks) for (const callback of callbacks) callback();
  }

  #maybeFinishClose(): void {
    // Writable: nothing in flight, and not paused for an upgrade's switch.
    if (this.#state === CLOSING && !this.#writeBuffer.length && this.#transport.writable) this.#onClose("forced close");
  }

  #onClose(reason: EngineCloseReason, details?: CloseDetails | Error): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#fixed.timers.clearTimeout(this.#timer);
    this.#deadline = 0;
    this.#upgrade?.(true);
    this.#undoLifecycle?.();
    const transport = this.#transport;
    transport.sink = null;
    transport.close();
    this._emitReserved("close", reason, details);
    // Cleared after the event so listeners could still inspect what was pending; nothing will send it now.
    this.#writeBuffer = [];
    this.#callbacks = undefined;
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
