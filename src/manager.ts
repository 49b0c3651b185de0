// One connection to a Socket.IO server: opens the Engine.IO session, reconnects with backoff, encodes and
// decodes packets, and multiplexes the namespaces (Sockets) that share it.

import { backoffDelay } from "./backoff";
import { defaultParser, DefaultDecoder } from "./codec/default";
import { kDecodeSink, type DecodeSink, type SinkDecoder } from "./codec/sink";
import { PacketType, type Decoder, type EncodedChunk, type Encoder, type Packet, type Parser } from "./codec/packet";
import { BaseEngineSession, checkEngineOptions, kTransportKit, type EngineSession, type TransportKit } from "./engine/session";
import type { CloseDetails, EngineCloseReason, EngineEvents, EngineOptions, RawData } from "./engine/types";
import { AbortError, invalidState, TimeoutError, TransportError } from "./errors";
import { COMPRESSED, kManagerLink, UNCOMPRESSED } from "./internal/constants";
import { NamespaceTable } from "./internal/namespace-table";
import { rethrowLater, Subscriptions, type Undo } from "./internal/subscriptions";
import { pickTimers, type TimerHandle, type Timers } from "./internal/timers";
import type { Platform } from "./platform/platform";
import { emitLocally, TypedEmitter } from "./internal/emitter";
import type { ManagerLink, NamespaceHooks } from "./link";
import { checkParser, delayOption, NO_TRANSPORTS, resolveManagerOptions, toError } from "./manager-options";
import { Socket } from "./socket";
import type {
  DefaultEventsMap,
  DisconnectDescription,
  DisconnectReason,
  EventsMap,
  ManagerOptions,
  ManagerReservedEvents,
  SocketOptions,
} from "./types";
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

const NO_PACKETS: readonly Packet[] = Object.freeze([]);
const NO_CALLBACKS: readonly OpenCallback[] = Object.freeze([]);

/**
 * Weight of a new round-trip sample in manager.latency's moving average. Samples are sparse (a heartbeat
 * apart over a Node WebSocket, one per connection over a browser WebSocket), so a quarter rather than TCP's
 * eighth: the figure follows a changed network within a few samples, yet one slow request does not swing it.
 */
const LATENCY_WEIGHT = 0.25;

/**
 * A connection to a server, shared by the Sockets of its namespaces. `io()` creates and caches Managers;
 * create one yourself for full control.
 *
 * @example
 * const manager = new Manager("https://example.com", { reconnectionDelayMax: 10_000 });
 * const chat = manager.socket("/chat", { auth: { token } });
 * manager.on("reconnect_attempt", (attempt) => console.log("attempt", attempt));
 */
export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends TypedEmitter<{}, ManagerReservedEvents> {
  /** The options this Manager was created with (path defaulted, URL query merged in). */
  readonly opts: ManagerOptions;
  /** The URL it was created with (io(): the URL given to it); the server's origin when none was given. */
  readonly uri: string;
  /**
   * component-emitter's emit, which calls this Manager's own listeners. Typed as in socket.io-client, whose
   * Manager declares no event to emit.
   */
  declare emit: (ev: never, ...args: never[]) => this;
  /** @internal The link its Sockets (and the io() cache) use. */
  readonly [kManagerLink]: ManagerLink & ManagerCacheHooks & DecodeSink;

  /** Scheme, host and port of the server (see ParsedUrl.origin); "" when the URL is malformed. */
  readonly #origin: string;
  /** Why the URL given is unusable: every open fails with it (through connect_error), and nothing retries. */
  readonly #urlError: Error | undefined;
  /** The transports its entry point links (siolink: all; siolink/websocket: WebSocket only). */
  readonly #kit: TransportKit;
  readonly #platform: Platform;
  readonly #timers: Timers;
  readonly #parser: Parser;
  readonly #encoder: Encoder;
  #autoConnect: boolean;
  /** Listeners, timers and the decoder of the current phase; disposed at every state change. */
  readonly #phase: Subscriptions;
  readonly #nsps = new NamespaceTable<Socket<ListenEvents, EmitEvents>>();
  readonly #attached = new NamespaceTable<NamespaceHooks>();
  /** Only Managers cached by io() have observers: created on the first one. */
  #closedObservers: Set<() => void> | undefined;

  #state: ManagerState = "idle";
  #engine: EngineSession | undefined;
  #decoder: Decoder | undefined;
  /**
   * Packets the decoder produced from the payload being read; dispatched once it has been read. A payload
   * almost always holds one packet: it waits in #inboxFirst, and an array is only needed for more.
   */
  #inboxFirst: Packet | undefined;
  /** The engine whose events this Manager handles, until the phase that opened it ends (see #endPhase). */
  #listened: EngineSession | undefined;
  /** Cancels the connect timeout of the attempt in progress. */
  #openTimer: Undo | undefined;
  /** The packets after #inboxFirst; made only when a payload holds more than one. */
  #inbox: Packet[] | undefined;
  /** Made on the first callback: most opens have none, and an idle array is memory on every client. */
  #openCallbacks: OpenCallback[] | undefined;
  /** Reconnection attempts made in the current loop; 0 when not reconnecting. */
  #attempts = 0;
  /** Bumped on every transition, so code resuming after user listeners can tell whether they changed it. */
  #epoch = 0;
  /** Counts opened sessions. */
  #session = 0;
  #upgradedBefore = false;
  /** Smoothed round-trip time (ms) over every session so far; undefined before the first sample. */
  #latency: number | undefined;

  #reconnection = true;
  #reconnectionAttempts = Infinity;
  #reconnectionDelay = 1000;
  #reconnectionDelayMax = 5000;
  #randomizationFactor = 0.5;
  #timeout: number | false = 20_000;

  constructor(opts?: ManagerOptions);
  constructor(uri?: string, opts?: ManagerOptions);
  constructor(uri?: string | ManagerOptions, opts?: ManagerOptions) {
    super();
    // The entry point's Manager (or a user's subclass of it) carries its kit as a static member.
    const kit = (new.target as { [kTransportKit]?: TransportKit })[kTransportKit] ?? NO_TRANSPORTS;
    this.#kit = kit;
    const [options, platform, given, origin, urlError] = resolveManagerOptions(uri, opts);
    this.#platform = platform;
    this.#urlError = urlError;
    this.#origin = origin;
    this.uri = given;
    this.opts = options;

    this.#timers = pickTimers(options.useNativeTimers);
    this.#autoConnect = options.autoConnect !== false;
    this[kManagerLink] = new Manager.#Link(this as AnyManager);
    // The link unrefs the phase's timers: a closure of our own for that would be memory on every client.
    this.#phase = new Subscriptions({ timers: this.#timers, unref: this[kManagerLink] });
    this.reconnection(options.reconnection !== false);
    // The setters validate. Given undefined, the numeric ones only read and timeout() sets its default, so
    // an option left out keeps the default.
    this.reconnectionAttempts(options.reconnectionAttempts!);
    this.reconnectionDelay(options.reconnectionDelay!);
    this.reconnectionDelayMax(options.reconnectionDelayMax!);
    this.randomizationFactor(options.randomizationFactor!);
    this.timeout(options.timeout!);
    this.#parser = checkParser(options.parser ?? defaultParser);
    // Bad transport options must throw here, not fail every attempt of an endless reconnection loop.
    checkEngineOptions(options, kit);
    this.#encoder = new this.#parser.Encoder();
    if (this.#autoConnect) this.open();
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
   * quarter); undefined until the first sample. Measured without the server's help, from:
   * - each connection's handshake: transport opened → the server's open packet. It includes connecting
   *   (TCP, TLS, the WebSocket upgrade), so it reads higher than one round trip;
   * - each polling POST: sent → answered (the server answers once it has read the body; the long-poll GET,
   *   which waits for data, is not timed);
   * - Node WebSocket: a ping frame when the connection opens and at each server heartbeat, answered by the
   *   server's WebSocket library. Browsers cannot send ping frames: a browser WebSocket connection only
   *   gets its handshake sample.
   * It carries over reconnections (same server). The `latency` event gives each raw sample too.
   *
   * @example
   * manager.on("latency", (smoothed, sample) => render(Math.round(smoothed)));
   */
  get latency(): number | undefined {
    return this.#latency;
  }

  // -------------------------------------------------------------------------------------------------------
  // Settings (no argument: read; with one: write and return the Manager, as in socket.io-client)

  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnection(v?: boolean): boolean | this {
    if (arguments.length === 0) return this.#reconnection;
    this.#reconnection = !!v;
    if (!this.#reconnection && this.#state === "reconnecting") {
      this.#endPhase();
      this.#attempts = 0;
      this.#setState("closed");
      this.#notifySockets((hooks) => hooks.onStopped());
    }
    return this;
  }

  reconnectionAttempts(): number;
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(v?: number): number | this {
    if (v === undefined) return this.#reconnectionAttempts;
    this.#reconnectionAttempts = delayOption("reconnectionAttempts", v, Infinity);
    return this;
  }

  reconnectionDelay(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelay(v?: number): number | this {
    if (v === undefined) return this.#reconnectionDelay;
    this.#reconnectionDelay = delayOption("reconnectionDelay", v, 1000);
    return this;
  }

  reconnectionDelayMax(): number;
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(v?: number): number | this {
    if (v === undefined) return this.#reconnectionDelayMax;
    this.#reconnectionDelayMax = delayOption("reconnectionDelayMax", v, 5000);
    return this;
  }

  randomizationFactor(): number;
  randomizationFactor(v: number): this;
  randomizationFactor(v?: number): number | this {
    if (v === undefined) return this.#randomizationFactor;
    this.#randomizationFactor = delayOption("randomizationFactor", v, 0.5);
    return this;
  }

  timeout(): number | false;
  timeout(v: number | false): this;
  timeout(v?: number | false): number | false | this {
    if (arguments.length === 0) return this.#timeout;
    this.#timeout = v === false ? false : delayOption("timeout", v, 20_000);
    return this;
  }

  // -------------------------------------------------------------------------------------------------------
  // Public operations

  /**
   * Opens the connection if it is not open or opening. `fn` is called once: with no argument when the
   * connection opens, with the error when this attempt fails (and then no reconnection loop starts).
   */
  open(fn?: OpenCallback): this {
    switch (this.#state) {
      case "open":
        fn?.();
        return this;
      case "opening":
        if (fn) (this.#openCallbacks ??= []).push(fn);
        return this;
      case "reconnecting":
        // Asked to connect now: this is the attempt the timer would have started.
        this.#endPhase();
        this.#emitSafely("reconnect_attempt", this.#attempts);
        if (this.#state !== "reconnecting") {
          if (fn) this.open(fn);
          return this;
        }
        this.#openSession(fn);
        return this;
      case "idle":
      case "closed":
        this.#attempts = 0;
        this.#openSession(fn);
        return this;
    }
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
    if (this.#state === "reconnecting") this.open();
    return this;
  }

  /** Alias of open(). */
  connect(fn?: OpenCallback): this {
    return this.open(fn);
  }

  /**
   * The Socket for namespace `nsp`, created on first use (one per namespace per Manager).
   *
   * @example
   * const admin = manager.socket("/admin", { auth: { token } });
   */
  socket(nsp: string, opts?: SocketOptions): Socket<ListenEvents, EmitEvents> {
    let socket = this.#nsps.get(nsp);
    if (socket === undefined) {
      socket = new Socket<ListenEvents, EmitEvents>(this, nsp, opts);
      this.#nsps.set(nsp, socket);
    } else if (this.#autoConnect && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  /**
   * Closes the connection and stops reconnecting. Connected sockets get `disconnect` with
   * "io client disconnect" and stay active: `socket.connect()` (or `manager.open()`) reconnects.
   * Called automatically when the last active socket disconnects.
   */
  close(): this {
    const previous = this.#state;
    this.#epoch++;
    this.#attempts = 0;
    this.#endPhase();
    this.#decoder?.destroy();
    this.#decoder = undefined;
    const engine = this.#engine;
    if (engine !== undefined && engine.readyState !== "closed") engine.close();
    this.#setState(previous === "idle" ? "idle" : "closed");
    const callbacks = this.#takeOpenCallbacks();
    if (callbacks.length > 0) {
      // Made only for someone waiting: most closes have no open() callback (an Error captures a stack).
      const aborted = new AbortError(DEV ? "manager closed before the connection opened" : "");
      for (const callback of callbacks) this.#safely(() => callback(aborted));
    }
    if (previous === "open") this.#notifySockets((hooks) => hooks.onClose("io client disconnect"));
    else if (previous === "opening" || previous === "reconnecting") this.#notifySockets((hooks) => hooks.onStopped());
    if (previous === "opening" || previous === "open" || previous === "reconnecting") {
      this.#emitSafely("close", "forced close");
    }
    const observers = this.#closedObservers;
    this.#closedObservers = undefined;
    if (observers !== undefined) for (const observer of [...observers]) observer();
    return this;
  }

  /** Alias of close(). */
  disconnect(): this {
    return this.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // socket.io-client's underscore members: its typings declare them public, so its TypeScript users call
  // them (`_close()` is the only close its typings give a Manager). Same behaviour, on siolink's state.

  /** socket.io-client's close: as close(). */
  _close(): void {
    this.close();
  }

  /** socket.io-client calls it when `socket` disconnects: closes the connection once no Socket is active. */
  _destroy(_socket: Socket<ListenEvents, EmitEvents>): void {
    for (const [, socket] of this.#nsps.entries()) if (socket.active) return;
    this.close();
  }

  /**
   * Encodes a Socket.IO packet (namespace "/" when it has none) and writes it to the engine, through
   * `engine.write` (replaced or not), which queues it while the connection opens.
   * @throws SioError ERR_INVALID_STATE when there is no connection to write to, ERR_INVALID_ARG for a packet
   * the parser cannot encode.
   */
  _packet(packet: Partial<Packet> & { options?: { compress?: boolean } }): void {
    const engine = this.#engine;
    if (engine === undefined) throw invalidState(DEV ? "cannot write a packet: the Manager never opened" : "");
    // The namespace defaults to "/", as with socket.io-parser.
    const chunks = this[kManagerLink].encode({ ...packet, nsp: packet.nsp ?? "/" } as Packet);
    for (const chunk of chunks) engine.write(chunk as RawData, packet.options);
  }

  /** Whether Sockets connect as soon as they are created (the `autoConnect` option); writable. */
  get _autoConnect(): boolean {
    return this.#autoConnect;
  }

  set _autoConnect(value: boolean) {
    this.#autoConnect = value;
  }

  /** socket.io-client's state: "opening" during an attempt, "open", else "closed" (see `state`). */
  get _readyState(): "opening" | "open" | "closed" {
    const state = this.#state;
    return state === "opening" || state === "open" ? state : "closed";
  }

  /** In a reconnection loop: waiting for the next attempt, or making one. */
  get _reconnecting(): boolean {
    return this.#state === "reconnecting" || (this.#state === "opening" && this.#attempts > 0);
  }

  // -------------------------------------------------------------------------------------------------------
  // Opening

  /** Ends the current phase: its listeners and timers, and the engine it listened to. */
  #endPhase(): void {
    this.#phase.dispose();
    this.#listened = undefined;
  }

  #setState(next: ManagerState): void {
    this.#state = next;
    this.#epoch++;
  }

  #openSession(fn: OpenCallback | undefined): void {
    this.#endPhase();
    this.#openCallbacks = fn ? [fn] : undefined;
    this.#setState("opening");
    let engine: EngineSession;
    try {
      if (this.#urlError) throw this.#urlError;
      engine = new Manager.#Session(this as AnyManager, this.#origin, this.#engineOptions());
      this.#engine = engine;
    } catch (error) {
      // Bad options: fail like any attempt, once the caller (io(), a constructor) has returned, so that
      // listeners added right after it hear about it.
      this.#phase.timeout(() => this.#onOpenFailed(toError(error)), 0);
      return;
    }
    // The engine's events reach #onEngineEvent until this phase ends (as listeners would be removed then).
    const phase = this.#phase;
    this.#listened = engine;
    const timeout = this.#timeout;
    this.#openTimer =
      timeout === false ? undefined : phase.timeout(() => this.#onOpenFailed(new TimeoutError("timeout")), timeout);
    try {
      engine.open();
    } catch (error) {
      // Replaces the connect timeout (this fires first anyway), so that an open cancels it as well.
      this.#openTimer?.();
      this.#openTimer = phase.timeout(() => this.#onOpenFailed(toError(error)), 0);
    }
  }

  #engineOptions(): EngineOptions {
    // rememberUpgrade means "start with WebSocket if an earlier session of this Manager upgraded to it".
    const remember = this.opts.rememberUpgrade === true && this.#upgradedBefore;
    // The engine only reads its options: share ours (as socket.io-client does) unless the flag must differ.
    if (!this.opts.rememberUpgrade || remember) return this.opts;
    return Object.assign({}, this.opts, { rememberUpgrade: remember });
  }

  #onOpenFailed(error: Error): void {
    this.#endPhase();
    const engine = this.#engine;
    // Abandon the attempt: an engine still opening (connect timeout) must not open later.
    if (engine !== undefined && engine.readyState !== "closed") engine.close();
    this.#setState("closed");
    const epoch = this.#epoch;
    const callbacks = this.#takeOpenCallbacks();
    const reconnecting = this.#attempts > 0;

    this.#notifySockets((hooks) => hooks.onError(error));
    this.#emitSafely("error", error);
    for (const callback of callbacks) this.#safely(() => callback(error));
    if (this.#epoch !== epoch) return; // a listener opened or closed the Manager meanwhile
    if (error === this.#urlError) {
      // The URL will not get better: no reconnection loop.
      this.#attempts = 0;
      this.#notifySockets((hooks) => hooks.onStopped());
    } else if (reconnecting) {
      this.#emitSafely("reconnect_error", error);
      if (this.#epoch !== epoch) return;
      this.#scheduleReconnect();
    } else if (callbacks.length === 0) {
      // The first open failed and nobody asked to be told instead: start the reconnection loop.
      this.#scheduleReconnect();
    }
  }

  /** The events of the engine of the current phase (see #Session): opening or open, by this Manager's state. */
  #onEngineEvent(engine: EngineSession, event: keyof EngineEvents, args: readonly unknown[]): void {
    if (engine !== this.#listened) return;
    const opening = this.#state === "opening";
    switch (event) {
      case "data":
        this.#onData(args[0] as RawData);
        break;
      case "open":
        if (opening) this.#onEngineOpen(engine);
        break;
      case "error":
        if (opening) {
          this.#onOpenFailed(args[0] as Error);
        } else {
          this.#notifySockets((hooks) => hooks.onError(args[0] as Error));
          this.#emitSafely("error", args[0] as Error);
        }
        break;
      case "close": {
        const [reason, details] = args as [EngineCloseReason, CloseDetails | Error | undefined];
        if (opening) {
          this.#onOpenFailed(
            details instanceof Error ? details : new TransportError(DEV ? `the connection closed before it opened (${reason})` : `${reason}`, details),
          );
        } else {
          this.#onSessionClosed(reason, details);
        }
        break;
      }
      case "ping":
        this.#emitSafely("ping");
        break;
      case "latency": {
        const sample = args[0] as number;
        // The first sample stands alone (`?? sample`).
        this.#latency = (1 - LATENCY_WEIGHT) * (this.#latency ?? sample) + LATENCY_WEIGHT * sample;
        this.#emitSafely("latency", this.#latency, sample);
        break;
      }
      case "upgrade":
        this.#upgradedBefore = true;
        break;
    }
  }

  #onEngineOpen(engine: EngineSession): void {
    // The engine is still heard (see #openSession); only the connect timeout goes.
    this.#openTimer?.();
    this.#openTimer = undefined;
    this.#session++;
    const decoder = new this.#parser.Decoder();
    this.#decoder = decoder;
    this.#inboxFirst = undefined;
    this.#inbox = undefined;
    const attempts = this.#attempts;
    this.#attempts = 0;
    this.#setState("open");
    if (engine.transport.name === "websocket") this.#upgradedBefore = true;

    if (this.#parser.Decoder === DefaultDecoder) {
      // Our own decoder hands packets straight to the link: no listener table and closure per connection.
      (decoder as unknown as SinkDecoder)[kDecodeSink] = this[kManagerLink];
    } else {
      this.#phase.on(decoder, "decoded", (packet: Packet) => this.#onDecoded(packet));
    }

    const epoch = this.#epoch;
    const callbacks = this.#takeOpenCallbacks();
    this.#notifySockets((hooks) => hooks.onOpen());
    this.#emitSafely("open");
    for (const callback of callbacks) this.#safely(() => callback());
    if (attempts > 0 && this.#epoch === epoch) this.#emitSafely("reconnect", attempts);
  }

  #takeOpenCallbacks(): readonly OpenCallback[] {
    const callbacks = this.#openCallbacks;
    this.#openCallbacks = undefined;
    return callbacks ?? NO_CALLBACKS;
  }

  #onDecoded(packet: Packet): void {
    if (this.#inboxFirst === undefined) this.#inboxFirst = packet;
    else (this.#inbox ??= []).push(packet);
  }

  // -------------------------------------------------------------------------------------------------------
  // Open session

  #onData(data: RawData): void {
    const decoder = this.#decoder;
    if (decoder === undefined) return;
    let failure: unknown;
    try {
      decoder.add(data);
    } catch (error) {
      failure = error;
    }
    // Dispatch outside the try: an exception in a user listener is the user's, not a parse error.
    const first = this.#inboxFirst;
    if (first !== undefined) {
      // Taken before dispatching: a listener may make the engine deliver more data (re-entering here).
      this.#inboxFirst = undefined;
      const rest = this.#inbox ?? NO_PACKETS;
      this.#inbox = undefined;
      this.#dispatch(first);
      for (const packet of rest) {
        if (this.#decoder !== decoder) return; // a listener closed the connection
        this.#dispatch(packet);
      }
    }
    if (failure !== undefined && this.#decoder === decoder) {
      this.#closeSession("parse error", toError(failure), "parse error");
    }
  }

  #dispatch(packet: Packet): void {
    // Few apps listen to "packet": no emit (and its argument copies) for nobody.
    if (this.hasListeners("packet")) this.#emitSafely("packet", packet);
    const hooks = this.#attached.get(packet.nsp);
    if (hooks !== undefined) {
      try {
        hooks.onPacket(packet);
      } catch (error) {
        rethrowLater(error);
      }
    } else if (packet.type === PacketType.CONNECT) {
      // The server accepted a namespace nobody waits for any more (disconnected while connecting): leave
      // it, or the server would keep a socket for it until the whole connection closes.
      this.#write(this[kManagerLink].encode({ type: PacketType.DISCONNECT, nsp: packet.nsp }), true);
    }
  }

  #onSessionClosed(reason: EngineCloseReason, details: CloseDetails | Error | undefined): void {
    // "forced close" from the engine itself means user code closed `manager.engine` directly: to the
    // sockets that is a lost connection, and it is followed by reconnection, as in socket.io-client.
    const socketReason: DisconnectReason = reason === "forced close" ? "transport close" : reason;
    this.#closeSession(reason, details, socketReason);
  }

  #closeSession(
    reason: EngineCloseReason,
    details: CloseDetails | Error | undefined,
    socketReason: DisconnectReason,
  ): void {
    this.#endPhase();
    this.#decoder?.destroy();
    this.#decoder = undefined;
    this.#inboxFirst = undefined;
    this.#inbox = undefined;
    const engine = this.#engine;
    if (engine !== undefined && engine.readyState !== "closed") engine.close();
    this.#attempts = 0;
    this.#setState("closed");
    const epoch = this.#epoch;
    const description: DisconnectDescription | undefined = details;
    this.#notifySockets((hooks) => hooks.onClose(socketReason, description));
    if (description === undefined) this.#emitSafely("close", reason);
    else this.#emitSafely("close", reason, description);
    if (this.#epoch === epoch) this.#scheduleReconnect();
  }

  // -------------------------------------------------------------------------------------------------------
  // Reconnection

  #scheduleReconnect(): void {
    if (!this.#reconnection) return;
    if (this.#attempts >= this.#reconnectionAttempts) {
      this.#attempts = 0;
      this.#setState("closed");
      this.#emitSafely("reconnect_failed");
      return;
    }
    this.#attempts++;
    const delay = backoffDelay(this.#attempts, {
      min: this.#reconnectionDelay,
      max: this.#reconnectionDelayMax,
      jitter: this.#randomizationFactor,
    });
    this.#setState("reconnecting");
    this.#phase.timeout(() => this.#onReconnectTimer(), delay);
    if (this.opts.reconnectOnNetworkReturn !== false) {
      // Browsers: the network or the page is back, so the wait has no reason left. Only while waiting: the
      // phase removes these listeners with the timer.
      const now = () => this.reconnectNow();
      this.#phase.add(this.#platform.onLifecycle({ online: now, visible: now }));
    }
  }

  #onReconnectTimer(): void {
    const epoch = this.#epoch;
    this.#emitSafely("reconnect_attempt", this.#attempts);
    // A listener may have closed the Manager or turned reconnection off.
    if (this.#epoch !== epoch || this.#state !== "reconnecting") return;
    this.#openSession(undefined);
  }

  // -------------------------------------------------------------------------------------------------------
  // Plumbing

  #write(chunks: readonly EncodedChunk[], compress: boolean): boolean {
    const engine = this.#engine;
    if (this.#state !== "open" || engine === undefined || engine.readyState !== "open") return false;
    try {
      const options = compress ? COMPRESSED : UNCOMPRESSED;
      for (const chunk of chunks) engine.write(chunk as RawData, options);
      return true;
    } catch {
      // The session started closing under us (its close event follows); the caller keeps the packet.
      return false;
    }
  }

  #unref(handle: TimerHandle): void {
    if (this.opts.autoUnref) this.#platform.unref(handle);
  }

  /** Runs `fn` for each attached socket, on a snapshot: sockets may detach from inside their listeners. */
  #notifySockets(fn: (hooks: NamespaceHooks) => void): void {
    for (const [nsp, hooks] of this.#attached.entries()) {
      if (this.#attached.get(nsp) === hooks) this.#safely(() => fn(hooks));
    }
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      rethrowLater(error);
    }
  }

  #emitSafely<Ev extends keyof ManagerReservedEvents>(ev: Ev, ...args: Parameters<ManagerReservedEvents[Ev]>): void {
    emitLocally(this, ev, args);
  }

  /**
   * The Manager's engine: it hands every event to its Manager first (where a listener registered at creation
   * would have been called), then to the listeners users add. Nested to reach the Manager's private members;
   * this spares a closure and a listener list per event and connection.
   */
  static readonly #Session = class ManagedSession extends BaseEngineSession {
    readonly #manager: AnyManager;

    constructor(manager: AnyManager, uri: string, opts: EngineOptions) {
      super(uri, opts, manager.#kit);
      this.#manager = manager;
    }

    protected override _emitReserved<Ev extends keyof EngineEvents>(ev: Ev, ...args: Parameters<EngineEvents[Ev]>): this {
      this.#manager.#onEngineEvent(this, ev, args);
      return super._emitReserved(ev, ...args);
    }
  };

  /**
   * The link handed to Sockets and to the io() cache. Nested here so its methods may reach the Manager's
   * private members: one small object per Manager, its methods shared on the prototype (no closures).
   */
  static readonly #Link = class ManagerLinkImpl implements ManagerLink, ManagerCacheHooks {
    readonly #manager: AnyManager;
    readonly timers: Timers;

    constructor(manager: AnyManager) {
      this.#manager = manager;
      this.timers = manager.#timers;
    }

    get autoConnect(): boolean {
      return this.#manager.#autoConnect;
    }

    unref(handle: TimerHandle): void {
      this.#manager.#unref(handle);
    }

    isOpen(): boolean {
      return this.#manager.#state === "open";
    }

    isWaitingToReconnect(): boolean {
      return this.#manager.#state === "reconnecting";
    }

    session(): number {
      return this.#manager.#session;
    }

    open(): void {
      this.#manager.open();
    }

    attach(nsp: string, hooks: NamespaceHooks): void {
      this.#manager.#attached.set(nsp, hooks);
    }

    detach(nsp: string, hooks: NamespaceHooks): void {
      const attached = this.#manager.#attached;
      if (attached.get(nsp) === hooks) attached.delete(nsp);
      if (attached.size === 0) this.#manager.close();
    }

    /** Our own decoder's packets (see #onEngineOpen). */
    onDecoded(packet: Packet): void {
      this.#manager.#onDecoded(packet);
    }

    encode(packet: Packet): EncodedChunk[] {
      // Some parsers return one chunk rather than an array of them.
      const chunks: EncodedChunk[] | EncodedChunk = this.#manager.#encoder.encode(packet);
      return Array.isArray(chunks) ? chunks : [chunks];
    }

    canSend(): boolean {
      const manager = this.#manager;
      const engine = manager.#engine;
      return manager.#state === "open" && engine !== undefined && engine.readyState === "open" && !engine.hasPingExpired();
    }

    transportWritable(): boolean {
      return this.#manager.#state === "open" && this.#manager.#engine?.transport.writable === true;
    }

    write(chunks: readonly EncodedChunk[], compress: boolean): boolean {
      return this.#manager.#write(chunks, compress);
    }

    protocolError(error: Error): void {
      if (this.#manager.#state === "open") this.#manager.#closeSession("parse error", error, "parse error");
    }

    hasNamespace(nsp: string): boolean {
      return this.#manager.#nsps.has(nsp);
    }

    onClosed(observer: () => void): () => void {
      const observers = (this.#manager.#closedObservers ??= new Set());
      observers.add(observer);
      return () => {
        observers.delete(observer);
      };
    }
  };
}

/** What the io() cache needs from a Manager. @internal */
export interface ManagerCacheHooks {
  /** Whether a Socket exists for `nsp` (io() then creates a separate Manager, as socket.io-client does). */
  hasNamespace(nsp: string): boolean;
  /** Called once when the Manager is closed for good (close(), or its last active socket disconnected). */
  onClosed(observer: () => void): () => void;
}
