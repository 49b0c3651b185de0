// One connection to a Socket.IO server: opens the Engine.IO session, reconnects with backoff, encodes and
// decodes packets, and multiplexes the namespaces (Sockets) that share it.

import { backoffDelay } from "./backoff";
import { parser as defaultParser } from "./codec/index";
import { PacketType, type Decoder, type EncodedChunk, type Encoder, type Packet, type Parser } from "./codec/packet";
import { EngineSession } from "./engine/session";
import type { CloseDetails, EngineCloseReason, EngineOptions, RawData } from "./engine/types";
import { AbortError, SioError, TimeoutError, TransportError } from "./errors";
import { kManagerLink } from "./internal/constants";
import { rethrowLater, Subscriptions } from "./internal/subscriptions";
import { pickTimers, type TimerHandle, type Timers } from "./internal/timers";
import { defaultPlatform } from "./platform/default";
import type { Platform } from "./platform/platform";
import { emitLocally, Socket, TypedEmitter, type ManagerLink, type NamespaceHooks } from "./socket";
import type {
  DefaultEventsMap,
  DisconnectDescription,
  DisconnectReason,
  EventsMap,
  ManagerOptions,
  ManagerReservedEvents,
  SocketOptions,
} from "./types";
import { parseUrl, type ParsedUrl } from "./url";

/**
 * - idle: created with `autoConnect: false` and not opened yet;
 * - opening: an Engine.IO session is being opened (the first time, or a reconnection attempt);
 * - open: the session is up, namespaces can connect;
 * - reconnecting: waiting for the backoff timer before the next attempt;
 * - closed: not connected and not trying (closed by the user, attempts exhausted, reconnection off).
 */
export type ManagerState = "idle" | "opening" | "open" | "reconnecting" | "closed";

type OpenCallback = (err?: Error) => void;

function toError(value: unknown): Error {
  return value instanceof Error ? value : new SioError("ERR_INVALID_ARG", String(value), { cause: value });
}

function delayOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new SioError("ERR_INVALID_ARG", `${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function checkParser(parser: unknown): Parser {
  const candidate = parser as Partial<Parser> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.Encoder !== "function" ||
    typeof candidate.Decoder !== "function"
  ) {
    throw new SioError("ERR_INVALID_ARG", "parser must be a module exporting Encoder and Decoder classes");
  }
  return candidate as Parser;
}

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
  /** @internal The link its Sockets (and the io() cache) use. */
  readonly [kManagerLink]: ManagerLink & ManagerCacheHooks;

  readonly #url: ParsedUrl;
  readonly #platform: Platform;
  readonly #timers: Timers;
  readonly #parser: Parser;
  readonly #encoder: Encoder;
  readonly #autoConnect: boolean;
  /** Listeners, timers and the decoder of the current phase; disposed at every state change. */
  readonly #phase: Subscriptions;
  readonly #nsps = new Map<string, Socket<ListenEvents, EmitEvents>>();
  readonly #attached = new Map<string, NamespaceHooks>();
  readonly #closedObservers = new Set<() => void>();

  #state: ManagerState = "idle";
  #engine: EngineSession | undefined;
  #decoder: Decoder | undefined;
  /** Packets the decoder produced from the payload being read; dispatched once it has been read. */
  #inbox: Packet[] = [];
  #openCallbacks: OpenCallback[] = [];
  /** Reconnection attempts made in the current loop; 0 when not reconnecting. */
  #attempts = 0;
  /** Bumped on every transition, so code resuming after user listeners can tell whether they changed it. */
  #epoch = 0;
  /** Counts opened sessions. */
  #session = 0;
  #upgradedBefore = false;

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
    if (typeof uri === "object" && uri !== null) {
      opts = uri;
      uri = undefined;
    }
    const options: ManagerOptions = { ...opts };
    options.path = options.path || "/socket.io";
    this.#platform = options.platform ?? defaultPlatform;
    this.#url = parseUrl(uri, this.#platform.defaultOrigin());
    const query = { ...this.#url.query, ...options.query };
    if (Object.keys(query).length > 0) options.query = query;
    this.opts = options;

    this.#timers = pickTimers(options.useNativeTimers);
    this.#phase = new Subscriptions({ timers: this.#timers, unref: (handle) => this.#unref(handle) });
    this.reconnection(options.reconnection !== false);
    this.reconnectionAttempts(delayOption("reconnectionAttempts", options.reconnectionAttempts, Infinity));
    this.reconnectionDelay(delayOption("reconnectionDelay", options.reconnectionDelay, 1000));
    this.reconnectionDelayMax(delayOption("reconnectionDelayMax", options.reconnectionDelayMax, 5000));
    this.randomizationFactor(delayOption("randomizationFactor", options.randomizationFactor, 0.5));
    this.timeout(options.timeout === undefined ? 20_000 : options.timeout);
    this.#parser = checkParser(options.parser ?? defaultParser);
    this.#encoder = new this.#parser.Encoder();
    this.#autoConnect = options.autoConnect !== false;
    this[kManagerLink] = this.#createLink();
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

  // -------------------------------------------------------------------------------------------------------
  // Settings (no argument: read; with one: write and return the Manager, as in socket.io-client)

  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnection(v?: boolean): boolean | this {
    if (arguments.length === 0) return this.#reconnection;
    this.#reconnection = !!v;
    if (!this.#reconnection && this.#state === "reconnecting") {
      this.#phase.dispose();
      this.#attempts = 0;
      this.#setState("closed");
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
        if (fn) this.#openCallbacks.push(fn);
        return this;
      case "reconnecting":
        // Asked to connect now: this is the attempt the timer would have started.
        this.#phase.dispose();
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
    this.#phase.dispose();
    this.#decoder = undefined;
    const engine = this.#engine;
    if (engine !== undefined && engine.readyState !== "closed") engine.close();
    this.#setState(previous === "idle" ? "idle" : "closed");
    const callbacks = this.#takeOpenCallbacks();
    const aborted = new AbortError("the manager was closed before the connection opened");
    for (const callback of callbacks) this.#safely(() => callback(aborted));
    if (previous === "open") this.#notifySockets((hooks) => hooks.onClose("io client disconnect"));
    if (previous === "opening" || previous === "open" || previous === "reconnecting") {
      this.#emitSafely("close", "forced close");
    }
    const observers = [...this.#closedObservers];
    this.#closedObservers.clear();
    for (const observer of observers) observer();
    return this;
  }

  /** Alias of close(). */
  disconnect(): this {
    return this.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // Opening

  #setState(next: ManagerState): void {
    this.#state = next;
    this.#epoch++;
  }

  #openSession(fn: OpenCallback | undefined): void {
    this.#phase.dispose();
    this.#openCallbacks = fn ? [fn] : [];
    this.#setState("opening");
    let engine: EngineSession;
    try {
      engine = new EngineSession(this.#url.origin, this.#engineOptions());
      this.#engine = engine;
    } catch (error) {
      // Bad options: fail like any attempt, once the caller (io(), a constructor) has returned, so that
      // listeners added right after it hear about it.
      this.#phase.timeout(() => this.#onOpenFailed(toError(error)), 0);
      return;
    }
    this.#phase.on(engine, "open", () => this.#onEngineOpen(engine));
    this.#phase.on(engine, "error", (error: Error) => this.#onOpenFailed(error));
    this.#phase.on(engine, "close", (reason: EngineCloseReason, details?: CloseDetails | Error) => {
      this.#onOpenFailed(
        details instanceof Error ? details : new TransportError(`the connection closed before it opened (${reason})`, details),
      );
    });
    const timeout = this.#timeout;
    if (timeout !== false) {
      this.#phase.timeout(() => this.#onOpenFailed(new TimeoutError("timeout")), timeout);
    }
    try {
      engine.open();
    } catch (error) {
      this.#phase.timeout(() => this.#onOpenFailed(toError(error)), 0);
    }
  }

  #engineOptions(): EngineOptions {
    // rememberUpgrade means "start with WebSocket if an earlier session of this Manager upgraded to it".
    return { ...this.opts, rememberUpgrade: this.opts.rememberUpgrade === true && this.#upgradedBefore };
  }

  #onOpenFailed(error: Error): void {
    this.#phase.dispose();
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
    if (reconnecting) {
      this.#emitSafely("reconnect_error", error);
      if (this.#epoch !== epoch) return;
      this.#scheduleReconnect();
    } else if (callbacks.length === 0) {
      // The first open failed and nobody asked to be told instead: start the reconnection loop.
      this.#scheduleReconnect();
    }
  }

  #onEngineOpen(engine: EngineSession): void {
    this.#phase.dispose();
    this.#session++;
    const decoder = new this.#parser.Decoder();
    this.#decoder = decoder;
    this.#inbox = [];
    const attempts = this.#attempts;
    this.#attempts = 0;
    this.#setState("open");
    if (engine.transport.name === "websocket") this.#upgradedBefore = true;

    const phase = this.#phase;
    phase.on(decoder, "decoded", (packet: Packet) => {
      this.#inbox.push(packet);
    });
    phase.add(() => decoder.destroy());
    phase.on(engine, "data", (data: RawData) => this.#onData(engine, decoder, data));
    phase.on(engine, "ping", () => this.#emitSafely("ping"));
    phase.on(engine, "upgrade", () => {
      this.#upgradedBefore = true;
    });
    phase.on(engine, "error", (error: Error) => {
      this.#notifySockets((hooks) => hooks.onError(error));
      this.#emitSafely("error", error);
    });
    phase.on(engine, "close", (reason: EngineCloseReason, details?: CloseDetails | Error) => {
      this.#onSessionClosed(reason, details);
    });

    const epoch = this.#epoch;
    const callbacks = this.#takeOpenCallbacks();
    this.#notifySockets((hooks) => hooks.onOpen());
    this.#emitSafely("open");
    for (const callback of callbacks) this.#safely(() => callback());
    if (attempts > 0 && this.#epoch === epoch) this.#emitSafely("reconnect", attempts);
  }

  #takeOpenCallbacks(): OpenCallback[] {
    const callbacks = this.#openCallbacks;
    this.#openCallbacks = [];
    return callbacks;
  }

  // -------------------------------------------------------------------------------------------------------
  // Open session

  #onData(engine: EngineSession, decoder: Decoder, data: RawData): void {
    if (this.#engine !== engine || this.#decoder !== decoder) return;
    let failure: unknown;
    try {
      decoder.add(data);
    } catch (error) {
      failure = error;
    }
    // Dispatch outside the try: an exception in a user listener is the user's, not a parse error.
    const packets = this.#inbox;
    this.#inbox = [];
    for (const packet of packets) {
      if (this.#decoder !== decoder) return; // a listener closed the connection
      this.#dispatch(packet);
    }
    if (failure !== undefined && this.#decoder === decoder) {
      this.#closeSession("parse error", toError(failure), "parse error");
    }
  }

  #dispatch(packet: Packet): void {
    this.#emitSafely("packet", packet);
    const hooks = this.#attached.get(packet.nsp);
    if (hooks !== undefined) {
      this.#safely(() => hooks.onPacket(packet));
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
    this.#phase.dispose();
    this.#decoder = undefined;
    this.#inbox = [];
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
      for (const chunk of chunks) engine.write(chunk as RawData, { compress });
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
    for (const [nsp, hooks] of [...this.#attached]) {
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
    this.#safely(() => emitLocally(this, ev, args));
  }

  #createLink(): ManagerLink & ManagerCacheHooks {
    return {
      timers: this.#timers,
      autoConnect: this.#autoConnect,
      unref: (handle) => this.#unref(handle),
      isOpen: () => this.#state === "open",
      isWaitingToReconnect: () => this.#state === "reconnecting",
      session: () => this.#session,
      open: () => {
        this.open();
      },
      attach: (nsp, hooks) => {
        this.#attached.set(nsp, hooks);
      },
      detach: (nsp, hooks) => {
        if (this.#attached.get(nsp) === hooks) this.#attached.delete(nsp);
        if (this.#attached.size === 0) this.close();
      },
      encode: (packet) => {
        // Some parsers return one chunk rather than an array of them.
        const chunks: EncodedChunk[] | EncodedChunk = this.#encoder.encode(packet);
        return Array.isArray(chunks) ? chunks : [chunks];
      },
      canSend: () => {
        const engine = this.#engine;
        return this.#state === "open" && engine !== undefined && engine.readyState === "open" && !engine.hasPingExpired();
      },
      transportWritable: () => this.#state === "open" && this.#engine?.transport.writable === true,
      write: (chunks, compress) => this.#write(chunks, compress),
      protocolError: (error) => {
        if (this.#state === "open") this.#closeSession("parse error", error, "parse error");
      },
      hasNamespace: (nsp) => this.#nsps.has(nsp),
      onClosed: (observer) => {
        this.#closedObservers.add(observer);
        return () => {
          this.#closedObservers.delete(observer);
        };
      },
    };
  }
}

/** What the io() cache needs from a Manager. @internal */
export interface ManagerCacheHooks {
  /** Whether a Socket exists for `nsp` (io() then creates a separate Manager, as socket.io-client does). */
  hasNamespace(nsp: string): boolean;
  /** Called once when the Manager is closed for good (close(), or its last active socket disconnected). */
  onClosed(observer: () => void): () => void;
}
