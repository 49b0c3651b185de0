// The sending half of a Socket (Listeners → Outbox → Socket): the emit path (acknowledgement, signal,
// volatile), the acknowledgement table, and one queue, `sendBuffer`, for what waits: emits made while
// disconnected and, under `retries` (at-least-once, one emit in flight at a time), the emits queued behind
// the one in flight. The `buffer` limits (count, bytes, age) and their drop events apply to that queue.

import { isObject, PacketType, type EncodedChunk, type Packet } from "./codec/packet";
import { invalidArg, invalidState, nonNegative, SioError, TimeoutError } from "./errors";
import { emitLocally } from "./internal/emitter";
import { call, rethrowLater } from "./internal/subscriptions";
import type { TimerHandle } from "./internal/timers";
import type { ManagerLink } from "./link";
import { abortError, Listeners, NO_LISTENERS, whenAborted, withoutListener, type AnyListener } from "./listeners";
import type { BufferDropReason, EventsMap, SocketOptions } from "./types";
import { DEV } from "./internal/dev";
import { RESERVED_EVENTS } from "./internal/constants";

export type AckCallback = (...args: unknown[]) => void;

/** The flags of one emit, set by compress(), volatile, timeout() and signal(). */
export interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  signal?: AbortSignal;
}

/** A packet as kept in `sendBuffer`: socket.io-client's shape, with its compression flag. */
type OutgoingPacket = Packet & { options?: { compress?: boolean } };

/** What a queued emit carries besides its packet (not on the packet: users may read and copy sendBuffer). */
interface Queued {
  /** Its encoding, done at the emit so that bad arguments throw there (a retried emit is encoded again per try, with its id). */
  c: readonly EncodedChunk[];
  /** Date.now() at the emit, for `buffer.maxAgeMs`. */
  at: number;
  /** Removes the abort listener of a signal() emit. */
  r: (() => void) | undefined;
  /** Under `retries`: how many tries went out (undefined: not a retried emit). */
  n?: number | undefined;
  /** The user's callback (under `retries`: called once at the end). */
  q: AckCallback | undefined;
  /** The timeout of its acknowledgement (under `retries`: of each try). */
  t: number | undefined;
  /** Its callback is error-first (always under `retries`). */
  e: boolean;
  /** The timer of its pending acknowledgement. */
  h: TimerHandle | undefined;
}

/** Queued emits by packet, for every socket: packets users put in sendBuffer themselves have none. */
const QUEUED = /* @__PURE__ */ new WeakMap<Packet, Queued>();

/** Node fires longer timers at once (with a warning): a longer timeout means "no timeout". */
const MAX_TIMER_DELAY = 2_147_483_647;

/** The sending phases: idle; flushing (the queue is being sent: new emits queue behind it); holding (connected
 * during the read in progress: writes wait in the queue until it is over, see flushOnConnect). */
const IDLE = 0;
const FLUSHING = 1;
const HOLDING = 2;

/** The options of a socket without ackTimeout, retries or buffer, and the flags of a plain emit: one shared empty object (never written: flag() copies; not frozen, for bytes). */
export const EMPTY: object = {};

const overflowError = (): SioError => new SioError("ERR_BUFFER_OVERFLOW", DEV ? "emit dropped: send buffer full" : "");

/**
 * The size counted by `buffer.maxBytes`: string chunks by their length (UTF-16 code units, so bytes for
 * ASCII text), binary ones by their byte length (a typed array's length counts elements; a Blob has neither, only its size); packets
 * users put in sendBuffer count none.
 */
const size = (chunks: readonly EncodedChunk[] = []): number =>
  chunks.reduce<number>((total, chunk) => total + ((chunk as ArrayBuffer).byteLength ?? (chunk as string).length ?? (chunk as Blob).size), 0);


function count(name: string, value: unknown): void {
  if ((nonNegative(name, value) as number) % 1) throw invalidArg(DEV ? `${name} must be an integer, got ${String(value)}` : `${name} ${String(value)}`);
}

/** Throws ERR_INVALID_ARG for bad socket options; io() calls it before it creates or opens any Manager. */
export function checkSocketOptions(opts: SocketOptions): void {
  nonNegative("ackTimeout", opts.ackTimeout);
  count("retries", opts.retries);
  // Without retries nothing is resent: the option would promise what only retries give.
  if (opts.exactlyOnce && !opts.retries) throw invalidArg(DEV ? "exactlyOnce needs retries" : "");
  const buffer: unknown = opts.buffer;
  if (buffer === undefined) return;
  if (!isObject(buffer)) throw invalidArg(DEV ? `buffer must be an object, got ${String(buffer)}` : String(buffer));
  count("buffer.maxPackets", buffer.maxPackets);
  count("buffer.maxBytes", buffer.maxBytes);
  nonNegative("buffer.maxAgeMs", buffer.maxAgeMs);
  if (![undefined, "drop-oldest", "drop-newest", "error"].includes(buffer.overflow as string)) {
    throw invalidArg(DEV ? `buffer.overflow must be drop-oldest, drop-newest or error, got ${String(buffer.overflow)}` : String(buffer.overflow));
  }
}

export abstract class Outbox<ListenEvents extends EventsMap> extends Listeners<ListenEvents> {
  /** The queue behind sendBuffer: made on first use, as most sockets never queue anything. */
  #buffer: Packet[] | undefined;
  abstract readonly nsp: string;
  abstract readonly connected: boolean;
  abstract readonly active: boolean;
  /** @internal The socket's options (ackTimeout, retries, exactlyOnce, buffer). */
  protected readonly opts: SocketOptions;
  /** Listeners called for every outgoing event when it is sent (onAnyOutgoing); replaced, never changed. */
  #outgoing = NO_LISTENERS;
  /**
   * Pending acknowledgements by packet id, created by the first emit that wants one: the emit's record, a plain
   * emit's under its id, a retried emit's under the id of its try in flight.
   */
  #acks: Map<number, Queued> | undefined;
  #nextId = 0;
  /** Under `retries`: the emit sent at least once, out of the queue; resent until answered or out of tries. */
  #inflight: Packet | undefined;
  #phase: number = IDLE;
  /** The one `buffer.maxAgeMs` timer: set while the socket is active and something waits. */
  #expiry: TimerHandle | undefined;
  /** The flags of the next emit; a plain emit shares one empty object, so it allocates none. */
  #flags = EMPTY as EmitFlags;

  constructor(opts: SocketOptions) {
    super();
    // Kept only when it sets what is read later: the caller's object (often a fresh literal per io() call, with
    // the Manager's options too) need not live as long as the socket.
    this.opts = opts.ackTimeout === undefined && !opts.retries && !opts.buffer ? EMPTY : opts;
  }

  /** Emits waiting for the connection; sent in order on connect. Assign `[]` to drop them. */
  get sendBuffer(): Packet[] {
    return (this.#buffer ??= []);
  }

  set sendBuffer(buffer: Packet[]) {
    this.#buffer = buffer;
  }

  /** Adds a listener called for every outgoing event (acknowledgement callbacks excluded), when it is sent. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#outgoing = [...this.#outgoing, listener];
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    this.#outgoing = [listener, ...this.#outgoing];
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.#outgoing = withoutListener(this.#outgoing, listener);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#outgoing];
  }

  /** @internal Adds to the flags of the next emit (compress(), volatile, timeout(), signal()). */
  protected flag(flags: EmitFlags): this {
    // Not a spread: V8 (Node 20) gives `{ ...a, ...b }` a hidden class of its own per call once optimised,
    // about 1 µs on every socket.timeout(ms).emit().
    this.#flags = Object.assign({}, this.#flags, flags);
    return this;
  }

  /**
   * @internal Sends, queues or drops one emit (`args` ends with its callback, if any) under the flags set
   * for it. Throws ERR_INVALID_ARG for a reserved event name or when the parser cannot encode it,
   * ERR_BUFFER_OVERFLOW when it does not fit.
   */
  protected queue(event: string, args: unknown[], errorFirst?: boolean): void {
    const flags = this.#flags;
    this.#flags = EMPTY;
    // Reserved events (socket.io-client's and siolink's own) are never sent, and never taken from the server.
    if (RESERVED_EVENTS.has(event)) throw invalidArg(DEV ? `"${event}" is a reserved event name` : event);
    const { signal, volatile, timeout = this.opts.ackTimeout, compress: compressed } = flags;
    const ack = typeof args[args.length - 1] === "function" ? (args.pop() as AckCallback) : undefined;
    if (signal?.aborted) {
      // Never sent; the callback (error-first under signal()) learns why, asynchronously as for any failure.
      if (ack) queueMicrotask(() => ack(abortError(signal)));
      return;
    }
    const compress = compressed !== false;
    const data = [event, ...args];
    const packet: OutgoingPacket = { type: PacketType.EVENT, nsp: this.nsp, data };
    const retried = !volatile && !!this.opts.retries;
    if (ack && !retried) packet.id = this.#nextId++;
    // Encoded now: arguments the parser cannot encode throw here, before anything is registered.
    const chunks = (this.io as ManagerLink).encode(packet);
    const withError = retried || errorFirst || timeout !== undefined || !!signal;
    const queued: Queued = {
      c: chunks,
      at: Date.now(),
      r: signal && whenAborted(signal, () => this.#abort(packet, abortError(signal))),
      n: retried ? 0 : undefined,
      q: ack,
      t: timeout,
      e: withError,
      h: undefined,
    };
    const id = packet.id;
    // A sent emit stays cancellable until its acknowledgement settles.
    if (id !== undefined) this.#register(id, queued);
    let sent = false;
    if (volatile) {
      sent = this.connected && this.#phase !== FLUSHING && !this.#buffer?.length && this.#transmit(data, chunks, compress, true);
    } else if (this.connected && !this.#phase) {
      // Never overtake what waits.
      this.#flush();
      // A retried emit goes in flight (sent by #flush below).
      if (!this.#buffer?.length && !this.#inflight) retried ? (this.#inflight = packet) : (sent = this.#transmit(data, chunks, compress));
    }
    if (!sent && !volatile) {
      // Only a packet that waits is read again (socket.io-client's sendBuffer shape); one sent now needs none.
      packet.options = { compress };
      QUEUED.set(packet, queued);
      return this.#inflight === packet ? this.#flush() : this.#enqueue(packet, queued);
    }
    // Sent without an acknowledgement: nothing left to cancel. A dropped volatile emit: a plain callback
    // could never be called, so it is forgotten now; an error-first one keeps its timeout (or fails at
    // the next disconnection) as in socket.io-client.
    if (id === undefined || !(sent || withError)) {
      this.#take(id);
      queued.r?.();
    }
  }

  /** @internal The namespace connected: drop what expired, then send what waits once the current read is over. */
  protected flushOnConnect(): void {
    this.expire();
    // The rest of this read may still end the connection (the CONNECT reply and a close in one payload):
    // until it is over, what is sent (the queue, emits made by connect listeners) waits in the queue, so
    // a connection that is already gone cannot swallow it; it then goes out on the next one.
    // (The try in flight on the previous connection no longer awaits its reply: failSent() failed it when that
    // connection ended, so it is resent, if tries are left.)
    this.#phase = HOLDING;
    queueMicrotask(() => {
      this.#phase = IDLE;
      this.#flush();
    });
  }

  /**
   * @internal The function handed to listeners of an event the server wants acknowledged (`id`); it answers
   * once, and never after a reconnection: that reply would reach a server socket that no longer waits for it.
   */
  protected replier(id: number): (...args: unknown[]) => void {
    const link = this.io as ManagerLink;
    // NaN once answered (or called while it could not be sent): no session number equals it.
    let session = link.session();
    return (...args) => {
      if (this.connected && link.session() === session) {
        // Throws for an argument the parser cannot encode, before anything is marked sent.
        link.write(link.encode({ type: PacketType.ACK, nsp: this.nsp, id, data: args }), true);
      }
      session = NaN;
    };
  }

  /**
   * @internal The connection dropped: acknowledgements in flight fail; those of queued packets wait for the
   * next one. Error-first callbacks receive the error; plain callbacks are dropped uncalled, since an Error
   * in the place of the reply would be misread as one.
   */
  protected failSent(): void {
    // The queued ids gathered once (a scan of the queue per acknowledgement is quadratic in a large backlog), and
    // the acknowledgements as they are now: emits made by the callbacks run here are queued, never failed.
    const queued = new Set(this.#buffer?.map((packet) => packet.id));
    for (const [id] of [...(this.#acks ?? [])]) if (!queued.has(id)) this.ack(id, [], invalidState("socket has been disconnected"));
  }

  /**
   * @internal Drops what waited longer than `buffer.maxAgeMs`, and keeps one timer set for the oldest of the
   * rest while the socket is active (none while inactive: expiry then waits for the next connect).
   */
  protected expire(): void {
    const maxAge = this.opts.buffer?.maxAgeMs;
    const link = this.io as ManagerLink;
    link.timers.clearTimeout(this.#expiry);
    const now = Date.now();
    let next = Infinity;
    if (maxAge !== undefined && this.active) {
      const buffer = this.sendBuffer;
      for (let i = 0; i < buffer.length; ) {
        const expiry = (QUEUED.get(buffer[i] as Packet)?.at ?? Infinity) + maxAge;
        if (expiry > now) {
          next = Math.min(next, expiry);
          i++;
        } else {
          this.#drop(buffer.splice(i, 1)[0] as Packet, "expired", new SioError("ERR_EXPIRED", DEV ? `emit dropped: buffered over ${maxAge} ms` : `${maxAge}`));
        }
      }
    }
    this.#expiry = next < Infinity ? link.startTimer(() => this.expire(), next - now) : undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // The queue

  /**
   * Queues an emit under the `buffer` limits: when it does not fit, drops the oldest ones or this one, or
   * throws ERR_BUFFER_OVERFLOW (forgetting it), as the policy says.
   */
  #enqueue(packet: Packet, queued: Queued): void {
    const limits = this.opts.buffer;
    if (limits) {
      const { maxPackets = Infinity, maxBytes = Infinity, overflow } = limits;
      const bytes = size(queued.c);
      const over = (): boolean => {
        let total = bytes;
        // Only walked when maxBytes is set: the queue it bounds stays small.
        if (maxBytes < Infinity) for (const packet of this.sendBuffer) total += size(QUEUED.get(packet)?.c);
        return this.sendBuffer.length >= maxPackets || total > maxBytes;
      };
      if (over()) {
        if (overflow === "error") {
          this.#take(packet.id);
          queued.r?.();
          throw overflowError();
        }
        if (overflow === "drop-newest" || bytes > maxBytes || maxPackets < 1) return this.#drop(packet, "overflow", overflowError());
        // Never empties the queue: over() is false for an empty one once the two cases above are out.
        do this.#drop(this.sendBuffer.shift() as Packet, "overflow", overflowError());
        while (over());
      }
    }
    this.sendBuffer.push(packet);
    if (!this.#expiry) this.expire();
  }

  /** Reports an emit that will never be sent: a `buffer:drop` event, then its acknowledgement fails. */
  #drop(packet: Packet, reason: BufferDropReason, error: Error): void {
    const data = packet.data as unknown[];
    emitLocally(this, "buffer:drop", [{ reason, event: String(data[0]), args: data.slice(1), error }]);
    const queued = QUEUED.get(packet);
    queued?.r?.();
    if (queued?.n !== undefined) call(queued.q, [error]);
    else this.ack(packet.id, [], error);
  }

  /** A signal() emit was aborted: out of the queue (a `buffer:drop`), given up in flight, or its acknowledgement fails. */
  #abort(packet: Packet, error: Error): void {
    const buffer = this.sendBuffer;
    const index = buffer.indexOf(packet);
    if (index >= 0) this.#drop(buffer.splice(index, 1)[0] as Packet, "aborted", error);
    else if (packet === this.#inflight) {
      // A late reply is ignored.
      this.#take(packet.id);
      this.#end(QUEUED.get(packet) as Queued, [error]);
    } else this.ack(packet.id, [], error);
  }

  /**
   * Sends what waits, in order, while connected; stops (keeping the rest) when the session cannot take more.
   * Under `retries`, the emit in flight goes first, one try at a time: resent (under a new packet id, unless
   * exactlyOnce: src/exactly-once.ts) until answered or out of tries.
   */
  #flush(): void {
    if (this.#phase) return;
    this.#phase = FLUSHING;
    try {
      // Emits made by listeners meanwhile are queued behind and go out in the same loop.
      while (this.connected) {
        const packet = (this.#inflight ?? this.#buffer?.shift()) as OutgoingPacket | undefined;
        if (!packet) return;
        // (Cast: `retried` says it is there; a packet users put in sendBuffer has none.)
        const queued = QUEUED.get(packet) as Queued;
        const retried = queued?.n !== undefined;
        let chunks: readonly EncodedChunk[] | undefined = queued?.c;
        if (retried) {
          // A try awaits its reply.
          if (this.#acks?.get(packet.id as number) === queued) return;
          this.#inflight = packet;
          packet.id = (this.opts.exactlyOnce ? packet.id : undefined) ?? this.#nextId++;
          chunks = undefined;
        }
        try {
          // A packet put there by user code: encoded now, and dropped if it cannot be; a retried one: with its id.
          chunks ??= (this.io as ManagerLink).encode(queued ? packet : { ...packet, nsp: this.nsp });
        } catch (error) {
          // A retried emit whose arguments were changed since the emit: given up on.
          retried ? this.#end(queued, [error]) : rethrowLater(error);
          continue;
        }
        if (retried) this.#register(packet.id as number, queued);
        if (!this.#transmit(packet.data, chunks, packet.options?.compress !== false)) {
          retried ? this.#take(packet.id) : this.sendBuffer.unshift(packet);
          return;
        }
        if (retried) (queued.n as number)++;
        // Sent: an abort now only matters to its acknowledgement, whose settling releases the signal.
        else if (packet.id === undefined) queued?.r?.();
      }
    } finally {
      this.#phase = IDLE;
    }
  }

  /** A retried emit is over (answered, out of tries, aborted): its callback runs, the next one goes. */
  #end(queued: Queued, args: unknown[]): void {
    this.#inflight = undefined;
    queued.r?.();
    call(queued.q, args);
    this.#flush();
  }

  /** Writes a packet now if the session takes it (a volatile one: without queueing), then tells the outgoing catch-all listeners. */
  #transmit(data: unknown, chunks: readonly EncodedChunk[], compress: boolean, volatile?: boolean): boolean {
    if (!(this.io as ManagerLink).write(chunks, compress, volatile)) return false;
    if (Array.isArray(data)) for (const listener of this.#outgoing) (listener as (...a: unknown[]) => void).apply(this, data);
    return true;
  }

  // -------------------------------------------------------------------------------------------------------
  // Acknowledgements

  /** Stores the emit's record under `id`, with its timeout. */
  #register(id: number, queued: Queued): void {
    // A resend under the id of its first try (exactlyOnce) replaces what may still wait on that id.
    this.#take(id);
    // (undefined <= n is false: no timeout, no timer.)
    queued.h = (queued.t as number) <= MAX_TIMER_DELAY ? (this.io as ManagerLink).startTimer(() => this.ack(id, [], new TimeoutError("operation has timed out")), queued.t as number) : undefined;
    (this.#acks ??= new Map()).set(id, queued);
  }

  /** Forgets the acknowledgement awaited on `id` (clearing its timer) and returns its emit's record. */
  #take(id: number | undefined): Queued | undefined {
    const acks = this.#acks;
    const queued = acks?.get(id as number);
    if (queued) {
      acks!.delete(id as number);
      (this.io as ManagerLink).timers.clearTimeout(queued.h);
    }
    return queued;
  }

  /**
   * @internal Settles the acknowledgement awaited on `id` (one nobody waits for, late or duplicate, is ignored):
   * with the server's `reply`, or failed with `error`. A failed plain emit still queued is never sent; its
   * error-first callback gets `error`, a plain one is dropped uncalled. A retried emit's failed try is resent
   * while tries are left.
   */
  protected ack(id: number | undefined, reply: unknown[], error?: Error): void {
    const queued = this.#take(id);
    if (!queued) return;
    const args = error ? [error] : queued.e ? [null, ...reply] : reply;
    // Not a retried emit:
    if (queued.n === undefined) {
      queued.r?.();
      if (error) {
        // Timed out before its packet could be sent: never send it.
        const index = this.sendBuffer.findIndex((packet) => packet.id === id);
        if (index >= 0) this.sendBuffer.splice(index, 1);
      }
      if (!error || queued.e) call(queued.q, args);
    } else if (error && (queued.n as number) <= (this.opts.retries as number)) this.#flush();
    else this.#end(queued, args);
  }
}
