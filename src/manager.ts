// One connection to a Socket.IO server: opens the Engine.IO session, reconnects with backoff, encodes and
// decodes packets, and multiplexes the namespaces (Sockets) that share it.

import { backoffDelay } from "./backoff";
import { defaultParser } from "./codec/default";
import { kDecodeSink, type SinkDecoder } from "./codec/sink";
import { PacketType, type Decoder, type EncodedChunk, type Packet, type Parser } from "./codec/packet";
import { BaseEngineSession, checkEngineOptions, kEngineEvent, kTransportKit, type EngineSession, type TransportKit } from "./engine/session";
import type { CloseDetails, EngineCloseReason, EngineEvents, EngineOptions, RawData } from "./engine/types";
import { AbortError, invalidState, TimeoutError, TransportError } from "./errors";
import { COMPRESSED, UNCOMPRESSED } from "./internal/constants";
import { call, rethrowLater } from "./internal/subscriptions";
import type { TimerHandle } from "./internal/timers";
import { defaultPlatform } from "./platform/default";
import { emitLocally, heard } from "./internal/emitter";
import { ManagerBase } from "./manager-base";
import { locate, toError, type Located } from "./manager-options";
import { evict } from "./registry";
import type { DefaultEventsMap, DisconnectReason, EventsMap, ManagerOptions, ManagerReservedEvents } from "./types";
import { DEV } from "./internal/dev";

/**
 * - idle: created with `autoConnect: false` and not opened yet;
 * - opening: an Engine.IO session is being opened (the first time, or a reconnection attempt);
 * - open: the session is up, namespaces can connect;
 * - reconnecting: waiting for the backoff timer before the next attempt;
 * - closed: not connected and not trying (closed by the user, attempts exhausted, reconnection off).
 */
export type ManagerState = "idle" | "opening" | "open" | "reconnecting" | "closed";

type OpenCallback = (err?: Error) => void;

type AnyManager = Manager<EventsMap, EventsMap>;

/**
 * A connection to a server, shared by the Sockets of its namespaces. `io()` creates and caches Managers;
 * create one yourself for full control.
 *
 * It is also the link its Sockets (and the io() cache) use: the members marked private or protected here and in
 * ManagerBase are that link (see src/link.ts): a Socket reads its Manager as its link; one object per client
 * rather than two. This file holds the connection's state machine; ManagerBase (src/manager-base.ts) the
 * options, settings and the table of namespaces.
 *
 * @example
 * const manager = new Manager("https://example.com", { reconnectionDelayMax: 10_000 });
 * const chat = manager.socket("/chat", { auth: { token } });
 * manager.on("reconnect_attempt", (attempt) => console.log("attempt", attempt));
 */
export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends ManagerBase<ListenEvents, EmitEvents> {
  /** The URL it was created with (io(): the URL given to it); the server's origin when none was given. */
  declare readonly uri: string;

  /** Scheme, host and port of the server; or why the URL given is unusable (every open fails with it). */
  readonly #target: string | Error;
  /** The transports of its entry point. */
  readonly #kit: TransportKit;
  #state: ManagerState = "idle";
  #engine: EngineSession | undefined;
  #decoder: Decoder | undefined;
  /** The timer of the state: connect timeout (opening) or reconnection delay (reconnecting). */
  #timer: TimerHandle | undefined;
  /** Removes the network-return hooks (reconnecting). */
  #offLifecycle: (() => void) | undefined;
  /** Made on the first callback: most opens have none. */
  #callbacks: OpenCallback[] | undefined;
  /**
   * Reconnection attempts made in the current loop. open() zeroes it when it starts afresh (not from
   * "reconnecting"), and so does the session's open: a count is left only by a loop that gave up or was closed,
   * which `_reconnecting` reads as "closed", and the next open() clears it.
   */
  #attempts = 0;
  /**
   * Bumped on every transition, so code resuming after user listeners can tell whether they changed it; constant
   * while a session is open, so it also numbers sessions (session()).
   */
  #epoch = 0;
  /** Whether a session of this Manager reached WebSocket (rememberUpgrade). */
  #upgraded = false;
  /** Smoothed round-trip time (ms) over every session so far; undefined before the first sample. */
  #latency: number | undefined;

  constructor(opts?: ManagerOptions);
  constructor(uri?: string, opts?: ManagerOptions);
  constructor(uri?: string | ManagerOptions, opts?: ManagerOptions) {
    if (uri && typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    super(opts);
    const options = this.opts;
    options.path ||= "/socket.io";
    // One jar (Node) for all of this Manager's sessions, so cookies such as load-balancer affinity survive
    // reconnects; made only when some transport sends credentials.
    if ([options, ...Object.values(options.transportOptions ?? {})].some((o) => o?.withCredentials)) {
      options.cookieJar ??= (options.platform ?? defaultPlatform).createCookieJar?.();
    }
    // Or the Error of a malformed URL, which has neither query nor origin.
    const url = locate(uri, options) as Partial<Located>;
    if (url.query) options.query = url.query;
    this.#target = url.origin ?? (url as Error);
    this.uri = uri ?? url.origin ?? "";
    // Bad transport options must throw here, not fail every attempt of an endless reconnection loop.
    // The entry point's Manager (or a user's subclass of it) carries its kit as a static member; the base
    // class links none, so its options are refused with ERR_INVALID_ARG.
    checkEngineOptions(options, (this.#kit = (this.constructor as { [kTransportKit]?: TransportKit })[kTransportKit] ?? { entry: DEV ? "the base Manager" : "" }));
    if (this._autoConnect) this.open();
  }

  /** Where the connection is in its lifecycle. */
  get state(): ManagerState {
    return this.#state;
  }

  /**
   * The current Engine.IO session (a new one per reconnection): `manager.engine.transport.name`,
   * `manager.engine.on("upgrade", ...)`. Undefined until the Manager first opens.
   */
  get engine(): EngineSession {
    return this.#engine as EngineSession;
  }

  /**
   * siolink: the round-trip time to the server in ms, smoothed (moving average, a new sample weighing a
   * quarter: samples are sparse, so the figure follows a changed network within a few, yet one slow request
   * does not swing it); undefined until the first sample. Measured without the server's help, from:
   * - each connection's handshake: transport opened → the server's open packet. It includes connecting
   *   (TCP, TLS, the WebSocket upgrade), so it reads higher than one round trip;
   * - each polling POST: sent → answered (the long-poll GET, which waits for data, is not timed);
   * - Node WebSocket: a ping frame after the first message packet and at each server heartbeat, answered by
   *   the server's WebSocket library. Browsers cannot send ping frames: a browser WebSocket connection only
   *   gets its handshake sample.
   * It carries over reconnections (same server). The `latency` event gives each raw sample too.
   *
   * @example
   * manager.on("latency", (smoothed, sample) => render(Math.round(smoothed)));
   */
  get latency(): number | undefined {
    return this.#latency;
  }

  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnection(v?: boolean): boolean | this {
    if (!arguments.length) return this.opts.reconnection !== false;
    this.opts.reconnection = !!v;
    if (!v && this.#state === "reconnecting") {
      this.#halt("closed");
      // Reconnection is off: this tells the sockets that no connection will come.
      this.#reconnect();
    }
    return this;
  }

  // -------------------------------------------------------------------------------------------------------
  // Public operations

  /**
   * Opens the connection if it is not open or opening. `fn` is called once: with no argument when the
   * connection opens, with the error when this attempt fails (and then no reconnection loop starts).
   */
  open(fn?: OpenCallback): this {
    const state = this.#state;
    if (state === "open") {
      fn?.();
    } else if (state === "opening") {
      if (fn) (this.#callbacks ??= []).push(fn);
    } else {
      if (state === "reconnecting") {
        // The reconnection timer fired, or we were asked to connect now: this is that attempt.
        this.#halt(state);
        this.#emit("reconnect_attempt", this.#attempts);
        // A listener may have closed the Manager or turned reconnection off.
        if (this.#state !== state) return fn ? this.open(fn) : this;
      } else {
        this.#attempts = 0;
      }
      this.#halt("opening");
      this.#callbacks = fn && [fn];
      try {
        const target = this.#target;
        if (typeof target !== "string") throw target;
        // It hands every event to [kEngineEvent] first (where a listener registered at creation would have been
        // called), then to the listeners users add.
        const opts = this.opts;
        // rememberUpgrade means "start with WebSocket if an earlier session of this Manager upgraded to it".
        // The engine only reads its options: share ours (as socket.io-client does) unless the flag must differ.
        const engineOptions: EngineOptions = opts.rememberUpgrade && !this.#upgraded ? { ...opts, rememberUpgrade: false } : opts;
        const engine = (this.#engine = new BaseEngineSession(target, engineOptions, this.#kit, this as never));
        const timeout = this.timeout();
        // #halt() cleared the timer of the state: no timer to replace.
        if (timeout !== false) this.#timer = this.startTimer(() => this.#failed(new TimeoutError("timeout")), timeout);
        engine.open();
      } catch (error) {
        // Bad options or URL: fail like any attempt, once the caller (io(), a constructor) has returned, so
        // that listeners added right after it hear about it. Replaces the connect timeout.
        this.timers.clearTimeout(this.#timer);
        this.#timer = this.startTimer(() => this.#failed(toError(error)), 0);
      }
    }
    return this;
  }

  /**
   * siolink: while waiting out a reconnection delay, skips the rest of the wait and makes the next attempt
   * now (with its usual `reconnect_attempt` event; a failure schedules the next attempt as usual). Does
   * nothing otherwise: when a connection is open or an attempt is already under way (so calling it twice
   * never makes two attempts), when closed by the user, or when reconnection is off or gave up (call
   * `open()` for those). Browsers call it on their own when the network or the page comes back (see the
   * `reconnectOnNetworkReturn` option).
   *
   * @example
   * retryButton.onclick = () => socket.io.reconnectNow();
   */
  reconnectNow(): this {
    return this.#state === "reconnecting" ? this.open() : this;
  }

  /**
   * Closes the connection and stops reconnecting. Connected sockets get `disconnect` with
   * "io client disconnect" and stay active: `socket.connect()` (or `manager.open()`) reconnects.
   * Called automatically when the last active socket disconnects. Emits `close` ("forced close"), also when
   * idle as socket.io-client does, but only once: closing a closed Manager emits nothing.
   */
  close(): this {
    const previous = this.#state;
    const callbacks = this.#callbacks ?? [];
    this.#halt("closed");
    // Made only for someone waiting, one for all: most closes have no open() callback (an Error captures a stack).
    let aborted: AbortError | undefined;
    for (const callback of callbacks) call(callback, [(aborted ??= new AbortError(DEV ? "manager closed before the connection opened" : ""))]);
    // Connected sockets were disconnected by us; the others learn that no connection will come.
    this.notify(previous === "open" ? "onClose" : "onStopped", "io client disconnect", undefined, true);
    // Also when idle, as socket.io-client does; but not again once closed: a close listener that calls
    // socket.disconnect() (which closes the Manager) would otherwise recurse without end.
    if (previous !== "closed") this.#emit("close", "forced close");
    // Closed for good: the io() cache forgets it.
    evict(this as unknown as AnyManager);
    return this;
  }

  // -------------------------------------------------------------------------------------------------------
  // socket.io-client's underscore members that read the connection (the others are ManagerBase's)

  /**
   * Encodes a Socket.IO packet (namespace "/" when it has none) and writes it to the engine, through
   * `engine.write` (replaced or not), which queues it while the connection opens.
   * @throws SioError ERR_INVALID_STATE when there is no connection to write to, ERR_INVALID_ARG for a packet
   * the parser cannot encode.
   */
  _packet(packet: Partial<Packet> & { options?: { compress?: boolean } }): void {
    const engine = this.#engine;
    if (!engine) throw invalidState(DEV ? "cannot write a packet: the Manager never opened" : "");
    // The namespace defaults to "/", as with socket.io-parser.
    for (const chunk of this.encode({ ...packet, nsp: packet.nsp ?? "/" } as Packet)) engine.write(chunk as RawData, packet.options);
  }

  /** socket.io-client's state: "opening" during an attempt, "open", else "closed" (see `state`). */
  get _readyState(): "opening" | "open" | "closed" {
    const state = this.#state;
    return state === "opening" || state === "open" ? state : "closed";
  }

  /** In a reconnection loop: waiting for the next attempt, or making one. */
  get _reconnecting(): boolean {
    // A count is left only by a loop that gave up or was closed ("closed"); open() zeroes it out of a loop, the
    // session's open on success.
    return this.#attempts > 0 && this.#state !== "closed";
  }

  // -------------------------------------------------------------------------------------------------------
  // The link members that depend on the connection (src/link.ts; the others are ManagerBase's). Private to
  // TypeScript users; a Socket reads its Manager as a ManagerLink.

  private session(): number {
    return this.#epoch;
  }

  private write(chunks: readonly EncodedChunk[], compress: boolean, volatile?: boolean): boolean {
    const engine = this.#engine!;
    // A session whose heartbeat expired is as good as closed (its close follows): the caller keeps the packet.
    if (this.#state !== "open" || engine.readyState !== "open" || engine.hasPingExpired() || (volatile && !engine.transport.writable)) return false;
    try {
      for (const chunk of chunks) engine.write(chunk as RawData, compress ? COMPRESSED : UNCOMPRESSED);
      return true;
    } catch {
      // The session started closing under us (its close event follows); the caller keeps the packet.
      return false;
    }
  }

  private protocolError(error: Error): void {
    if (this.#state === "open") this.#closeSession("parse error", error);
  }

  /** A decoded packet (our own decoder calls it directly: see #onEngineOpen). */
  private onDecoded(packet: Packet): void {
    // Few apps listen to "packet": no emit (and its argument copies) for nobody.
    if (heard(this, "packet")) this.#emit("packet", packet);
    const hooks = this.nspHooks(packet.nsp);
    if (hooks) {
      try {
        hooks.onPacket(packet);
      } catch (error) {
        rethrowLater(error);
      }
    } else if (packet.type === PacketType.CONNECT) {
      // The server accepted a namespace nobody waits for any more (disconnected while connecting): leave
      // it, or the server would keep a socket for it until the whole connection closes.
      this.write(this.encode({ type: PacketType.DISCONNECT, nsp: packet.nsp }), true);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Internals

  #emit<Ev extends keyof ManagerReservedEvents>(ev: Ev, ...args: Parameters<ManagerReservedEvents[Ev]>): void {
    emitLocally(this, ev, args);
  }

  /**
   * Leaves the current state for `next`: its timer and hooks go, and the session (decoder, engine) closes.
   * The engine is closed while the state reads "closed", so its close event is not taken for this Manager's.
   * @returns the new epoch.
   */
  #halt(next: ManagerState): number {
    // Drops the handle too: a cleared one still holds its Timeout (about 120 bytes on every connected client).
    this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#offLifecycle?.();
    this.#offLifecycle = undefined;
    // Whoever waits on the attempt took its callbacks first (close(), #failed); open() sets its own after.
    this.#callbacks = undefined;
    this.#state = "closed";
    this.#decoder?.destroy();
    this.#decoder = undefined;
    // Closing an engine that is closing or closed does nothing.
    this.#engine?.close();
    this.#state = next;
    return ++this.#epoch;
  }

  /** The events of its engine, while the Manager is opening or open (see open()). */
  /** @internal */
  [kEngineEvent](engine: EngineSession, event: keyof EngineEvents, args: readonly unknown[]): void {
    const opening = this.#state === "opening";
    if (engine !== this.#engine || !(opening || this.#state === "open")) return;
    // Indexed, not destructured: an array pattern runs the iterator protocol on every received message.
    const arg = args[0];
    const details = args[1];
    if (event === "data") {
      const decoder = this.#decoder;
      try {
        decoder?.add(arg);
      } catch (error) {
        // Packets are dispatched from inside add(), where every listener's exception is caught: this is the
        // parser refusing the data.
        if (decoder === this.#decoder) this.#closeSession("parse error", toError(error));
      }
    } else if (event === "open") {
      // An engine opens once, and only while this Manager is opening it.
      this.#onEngineOpen(engine);
    } else if (event === "error") {
      if (opening) {
        this.#failed(arg as Error);
      } else {
        // Tells the sockets, then this Manager's listeners (as #failed does).
        this.notify("onError", arg);
        this.#emit("error", arg as Error);
      }
    } else if (event === "close") {
      if (!opening) this.#closeSession(arg as EngineCloseReason, details as CloseDetails | Error | undefined);
      else this.#failed(details instanceof Error ? details : new TransportError(DEV ? `the connection closed before it opened (${arg})` : `${arg}`, details));
    } else if (event === "ping") {
      this.#emit("ping");
    } else if (event === "latency") {
      // The first sample stands alone (`?? sample`); then each weighs a quarter.
      this.#latency = 0.75 * (this.#latency ?? (arg as number)) + 0.25 * (arg as number);
      this.#emit("latency", this.#latency, arg as number);
    } else if (event === "upgrade") {
      this.#upgraded = true;
    }
  }

  #onEngineOpen(engine: EngineSession): void {
    // The connect timeout; the handle goes too (see #halt).
    this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const decoder = (this.#decoder = new ((this.opts.parser ?? defaultParser) as Parser).Decoder());
    const attempts = this.#attempts;
    this.#attempts = 0;
    this.#state = "open";
    const epoch = ++this.#epoch;
    if (engine.transport.name === "websocket") this.#upgraded = true;
    if (kDecodeSink in decoder) {
      // Our own decoders hand packets straight to us: no listener table and closure per connection.
      (decoder as unknown as SinkDecoder)[kDecodeSink] = this as never;
    } else {
      decoder.on("decoded", (packet: Packet) => {
        if (decoder === this.#decoder) this.onDecoded(packet);
      });
    }
    const callbacks = this.#callbacks ?? [];
    this.#callbacks = undefined;
    this.notify("onOpen");
    this.#emit("open");
    for (const callback of callbacks) call(callback, []);
    if (attempts && this.#epoch === epoch) this.#emit("reconnect", attempts);
  }

  /** The attempt failed (an engine error or close before open, the connect timeout, bad options or URL). */
  #failed(error: Error): void {
    const callbacks = this.#callbacks ?? [];
    // A count: truthy in a reconnection loop.
    const reconnecting = this.#attempts;
    // Abandons the attempt: an engine still opening (connect timeout) must not open later.
    const epoch = this.#halt("closed");
    this.notify("onError", error);
    this.#emit("error", error);
    for (const callback of callbacks) call(callback, [error]);
    if (this.#epoch !== epoch) return; // a listener opened or closed the Manager meanwhile
    if (reconnecting) this.#emit("reconnect_error", error);
    // A first open that failed starts the reconnection loop, unless its open() callbacks were told instead or
    // the URL will not get better (a reconnection loop never fails with it: its first attempt gave up).
    if (this.#epoch === epoch) {
      if (reconnecting || (error !== this.#target && !callbacks.length)) this.#reconnect();
      else this.notify("onStopped");
    }
  }

  /** The open session ended: the engine closed, or the server broke the protocol ("parse error"). */
  #closeSession(reason: EngineCloseReason, details: CloseDetails | Error | undefined): void {
    const epoch = this.#halt("closed");
    // "forced close" from the engine itself means user code closed `manager.engine` directly: to the
    // sockets that is a lost connection, and it is followed by reconnection, as in socket.io-client.
    const socketReason: DisconnectReason = reason === "forced close" ? "transport close" : reason;
    // Whether it will try again, told with the news: #reconnect() gives up at once on these.
    this.notify("onClose", socketReason, details, !this.reconnection() || this.reconnectionAttempts() < 1);
    this.#emit("close", reason, details);
    if (this.#epoch === epoch) this.#reconnect();
  }

  /** Starts or goes on with the reconnection loop; or gives up (attached sockets then learn that no connection will come). */
  #reconnect(): void {
    if (!this.reconnection()) return this.notify("onStopped");
    if (this.#attempts >= this.reconnectionAttempts()) {
      this.#emit("reconnect_failed");
      // Unless a listener opened it again.
      if (this.#state === "closed") this.notify("onStopped");
      return;
    }
    this.#state = "reconnecting";
    const delay = backoffDelay(++this.#attempts, this.reconnectionDelay(), this.reconnectionDelayMax(), this.randomizationFactor());
    // The timer fires only while waiting (every transition clears it): reconnectNow() is then open().
    const now = () => this.reconnectNow();
    this.#timer = this.startTimer(now, delay);
    if (this.opts.reconnectOnNetworkReturn !== false) {
      // Browsers: the network or the page is back, so the wait has no reason left. Only while waiting: the
      // next transition removes these hooks with the timer.
      this.#offLifecycle = (this.opts.platform ?? defaultPlatform).onLifecycle({ online: now, visible: now });
    }
  }
}
