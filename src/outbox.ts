// A Socket's outgoing side: the emit path (acknowledgement, signal, volatile), the offline buffer
// (`sendBuffer`) with its `buffer` limits (count, bytes, age) and drop events, and the `retries` queue
// (at-least-once delivery, one emit in flight at a time). It owns the Socket's acknowledgement table.

import { AckTable, type AckCallback } from "./acks";
import { isObject, PacketType, type EncodedChunk, type Packet } from "./codec/packet";
import { AbortError, invalidArg, invalidState, nonNegative, SioError } from "./errors";
import { newClientId } from "./exactly-once";
import { COMPRESSED, UNCOMPRESSED } from "./internal/constants";
import { emitLocally } from "./internal/emitter";
import { rethrowLater } from "./internal/subscriptions";
import type { TimerHandle } from "./internal/timers";
import type { ManagerLink } from "./link";
import type { BufferDropReason, BufferOptions, SocketOptions, UntypedArg } from "./types";
import { DEV } from "./internal/dev";

/** The flags of one emit, set by compress(), volatile, timeout() and signal(). */
export interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  signal?: AbortSignal;
}

/** A catch-all listener: the event name, then the event's arguments. */
export type AnyListener = { bivarianceHack(event: string, ...args: UntypedArg[]): void }["bivarianceHack"];

/** What the Outbox reads of its Socket (also the `this` of outgoing listeners and the target of buffer:drop). */
export interface OutboxOwner {
  readonly nsp: string;
  readonly connected: boolean;
  readonly active: boolean;
}

/** A packet as kept in `sendBuffer`: socket.io-client's shape, with its compression flag. */
interface OutgoingPacket extends Packet {
  options?: { compress?: boolean };
}

/** What the `buffer` limits need to know of a waiting emit. */
interface Waiting {
  /** Date.now() when it was buffered. */
  at: number;
  /** Its encoded size (see sizeOf). */
  bytes: number;
  /** Removes the AbortSignal listener of a `signal()` emit. */
  release?: (() => void) | undefined;
}

/** A packet in `sendBuffer`: its encoding (done at the emit, so bad arguments throw there) and age. */
interface Buffered extends Waiting {
  chunks: readonly EncodedChunk[];
}

/** An emit under the `retries` option: resent until acknowledged, one at a time, in order. */
interface QueuedEmit extends Waiting {
  event: string;
  args: unknown[];
  ack: AckCallback | undefined;
  flags: EmitFlags;
  tries: number;
  /** Sent and waiting for its acknowledgement. */
  pending: boolean;
  /** exactlyOnce: the packet id of every try. */
  id?: number;
}

/** A packet users put in sendBuffer themselves: never expires, counts no bytes. */
const UNKNOWN_AGE: Waiting = Object.freeze({ at: Infinity, bytes: 0 });

/**
 * The size counted by `buffer.maxBytes`: the encoded packet's string chunks by their length (UTF-16 code
 * units, so bytes for ASCII text), binary attachments by their byte length. No second encoding.
 */
function sizeOf(chunks: readonly EncodedChunk[]): number {
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += typeof chunk === "string" ? chunk.length : "size" in chunk ? chunk.size : chunk.byteLength;
  }
  return bytes;
}

function overflowError(): SioError {
  return new SioError("ERR_BUFFER_OVERFLOW", DEV ? "emit dropped: send buffer full" : "");
}

/** The error of an emit or a wait cancelled through `signal`. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

function count(name: string, value: unknown): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) {
    throw invalidArg(DEV ? `${name} must be a non-negative integer, got ${String(value)}` : `${name} ${String(value)}`);
  }
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
  const overflow = buffer.overflow;
  if (overflow !== undefined && overflow !== "drop-oldest" && overflow !== "drop-newest" && overflow !== "error") {
    throw invalidArg(DEV ? `buffer.overflow must be drop-oldest, drop-newest or error, got ${String(overflow)}` : String(overflow));
  }
}

/**
 * The function handed to listeners of an event the server wants acknowledged (`id`); it answers once, and
 * never after a reconnection: that reply would reach a server socket that no longer waits for it.
 */
export function replier(link: ManagerLink, nsp: string, id: number, connected: () => boolean): (...args: unknown[]) => void {
  let sent = false;
  const session = link.session();
  return (...args: unknown[]) => {
    if (sent) return;
    if (!connected() || link.session() !== session) {
      sent = true;
      return;
    }
    const chunks = link.encode({ type: PacketType.ACK, nsp, id, data: args });
    sent = true;
    if (link.canSend()) link.write(chunks, true);
  };
}

export class Outbox {
  /** Emits waiting for the connection (the Socket's `sendBuffer`); sent in order on connect. */
  buffer: Packet[] = [];
  /** Listeners called for every outgoing event when it is sent (onAnyOutgoing); replaced, never changed. */
  outgoing: readonly AnyListener[] = [];
  /** Created by the first emit that wants an acknowledgement: many sockets never need one. */
  acks: AckTable | undefined;
  readonly ackTimeout: number | undefined;
  /** exactlyOnce: the socket's id sent with every CONNECT (see src/exactly-once.ts). */
  readonly clientId: string | undefined;
  readonly #owner: OutboxOwner;
  readonly #link: ManagerLink;
  readonly #retries: number;
  readonly #limits: BufferOptions | undefined;
  #queue: QueuedEmit[] = [];
  /** What the buffer's packets carry besides the packet (not on the packet: users may read and copy it). */
  #buffered: WeakMap<Packet, Buffered> | undefined;
  /** The buffer is being flushed: new emits queue behind it. */
  #flushing = false;
  /** Connected during the read in progress: writes wait in the buffer until it is over (see onConnected). */
  #holding = false;
  /** The one `buffer.maxAgeMs` timer: set while the socket is active and something waits. */
  #expiryTimer: TimerHandle | undefined;

  constructor(owner: OutboxOwner, link: ManagerLink, opts: SocketOptions) {
    this.#owner = owner;
    this.#link = link;
    this.#retries = opts.retries ?? 0;
    this.ackTimeout = opts.ackTimeout;
    this.#limits = opts.buffer;
    this.clientId = opts.exactlyOnce ? newClientId() : undefined;
  }

  /** Sends, buffers, queues or drops one emit. Throws ERR_INVALID_ARG when the parser cannot encode it. */
  emit(event: string, args: unknown[], flags: Readonly<EmitFlags>, errorFirstAck: boolean): void {
    const signal = flags.signal;
    if (signal?.aborted) {
      // Never sent; the callback (error-first under signal()) learns why, asynchronously as for any failure.
      const ack = args[args.length - 1];
      if (typeof ack === "function") queueMicrotask(() => (ack as AckCallback)(abortError(signal)));
      return;
    }
    if (this.#retries > 0 && !flags.volatile) {
      this.#enqueue(event, args, flags);
      return;
    }
    this.#emitNow(event, args, flags, errorFirstAck);
  }

  /** The namespace connected: drop what expired, send what waited, resume the retries queue. */
  onConnected(): void {
    this.stopExpiry();
    this.#expire();
    // The rest of this read may still end the connection (the CONNECT reply and a close in one payload):
    // until it is over, what is sent (the buffer, emits made by connect listeners) waits in the buffer, so
    // a connection that is already gone cannot swallow it; it then goes out on the next one.
    this.#holding = true;
    queueMicrotask(() => {
      this.#holding = false;
      this.#flush();
    });
    this.#drainQueue(true);
    this.armExpiry();
  }

  /** The connection dropped: acknowledgements in flight fail; those of unsent packets wait for the next one. */
  failSent(): void {
    const acks = this.acks;
    if (acks === undefined || acks.size === 0) return;
    const unsent = new Set(this.buffer.map((packet) => packet.id));
    acks.failAll(invalidState("socket has been disconnected"), (id) => unsent.has(id));
  }

  /** One timer for the whole buffer, set for its oldest entry, only while the socket is active. */
  armExpiry(): void {
    if (this.#expiryTimer !== undefined || this.#limits?.maxAgeMs === undefined || !this.#owner.active) return;
    const next = this.#expire();
    if (next === Infinity) return;
    this.#expiryTimer = this.#link.timers.setTimeout(() => {
      this.#expiryTimer = undefined;
      this.armExpiry();
    }, next - Date.now());
    this.#link.unref(this.#expiryTimer);
  }

  stopExpiry(): void {
    this.#link.timers.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }

  #emitNow(event: string, args: unknown[], flags: Readonly<EmitFlags>, errorFirstAck: boolean, id?: number): void {
    const data: unknown[] = [event, ...args];
    let ack: AckCallback | undefined;
    if (typeof data[data.length - 1] === "function" && data.length > 1) ack = data.pop() as AckCallback;
    const compress = flags.compress !== false;
    const packet: OutgoingPacket = { type: PacketType.EVENT, nsp: this.#owner.nsp, data, options: compress ? COMPRESSED : UNCOMPRESSED };
    let acks: AckTable | undefined;
    const timeoutMs = flags.timeout ?? this.ackTimeout;
    const signal = flags.signal;
    const withError = errorFirstAck || timeoutMs !== undefined || signal !== undefined;
    let release: (() => void) | undefined;
    if (signal !== undefined) {
      const onAbort = (): void => {
        const error = abortError(signal);
        const index = this.buffer.indexOf(packet);
        if (index !== -1) this.#dropAt(this.buffer, index, "aborted", error);
        else if (packet.id !== undefined) this.acks?.fail(packet.id, error);
      };
      release = () => signal.removeEventListener("abort", onAbort);
      signal.addEventListener("abort", onAbort);
      if (ack !== undefined) {
        const settle = ack;
        ack = (...reply) => {
          (release as () => void)();
          settle(...reply);
        };
      }
    }
    if (ack !== undefined) {
      acks = this.#ackTable();
      packet.id = acks.register(ack, withError, timeoutMs, id);
    }
    const forget = (): void => {
      release?.();
      if (packet.id !== undefined) acks?.cancel(packet.id);
    };

    let chunks: EncodedChunk[];
    try {
      chunks = this.#link.encode(packet);
    } catch (error) {
      forget();
      throw error;
    }

    const connected = this.#owner.connected;
    if (flags.volatile) {
      const sent =
        connected &&
        !this.#flushing &&
        this.buffer.length === 0 &&
        this.#link.transportWritable() &&
        this.#transmit(data, chunks, compress);
      // Dropped: a plain callback could never be called, so forget it now; an error-first one keeps its
      // timeout (or fails at the next disconnection) as in socket.io-client.
      if (!sent && packet.id !== undefined && !withError) acks?.cancel(packet.id);
      if (packet.id === undefined) release?.();
      return;
    }

    if (connected && !this.#flushing && !this.#holding) {
      // Never overtake what is still buffered.
      if (this.buffer.length > 0) this.#flush();
      if (this.buffer.length === 0 && this.#transmit(data, chunks, compress)) {
        if (packet.id === undefined) release?.();
        return;
      }
    }
    packet.options = { compress };
    const buffered: Buffered = { chunks, at: Date.now(), bytes: sizeOf(chunks), release };
    (this.#buffered ??= new WeakMap()).set(packet, buffered);
    // Under `retries` the queue holds the waiting emits; this is the one in flight, never dropped.
    if (this.#retries === 0) {
      let fits: boolean;
      try {
        fits = this.#fits(buffered.bytes);
      } catch (error) {
        forget();
        throw error;
      }
      if (!fits) {
        this.#dropped(packet, "overflow", overflowError());
        return;
      }
    }
    this.buffer.push(packet);
    this.armExpiry();
  }

  // -------------------------------------------------------------------------------------------------------
  // Offline buffer limits (the `buffer` option)

  /**
   * The list the limits apply to and the index of its first waiting entry: the buffer, or under `retries`
   * the queue, whose head may be in flight (sent at least once): that one is never dropped.
   */
  #waitList(): [Array<Packet | QueuedEmit>, number] {
    if (this.#retries === 0) return [this.buffer, 0];
    const queue = this.#queue;
    return [queue, queue.length > 0 && (queue[0] as QueuedEmit).tries > 0 ? 1 : 0];
  }

  #info(item: Packet | QueuedEmit): Waiting {
    return "tries" in item ? item : (this.#buffered?.get(item) ?? UNKNOWN_AGE);
  }

  /**
   * Makes room for one more waiting emit of `bytes` bytes under the `buffer` limits, dropping the oldest
   * ones if that is the policy: false when the new emit must be dropped instead. Throws for "error".
   */
  #fits(bytes: number): boolean {
    const limits = this.#limits;
    if (limits === undefined) return true;
    const { maxPackets = Infinity, maxBytes = Infinity, overflow } = limits;
    const over = (): boolean => {
      const [list, from] = this.#waitList();
      let total = bytes;
      // Only walked when maxBytes is set: the buffer it bounds stays small.
      if (maxBytes !== Infinity) for (let i = from; i < list.length; i++) total += this.#info(list[i] as Packet).bytes;
      return list.length - from >= maxPackets || total > maxBytes;
    };
    if (!over()) return true;
    if (overflow === "error") throw overflowError();
    if (overflow === "drop-newest" || bytes > maxBytes || maxPackets < 1) return false;
    do {
      const [list, from] = this.#waitList();
      if (from >= list.length) return false;
      this.#dropAt(list, from, "overflow", overflowError());
    } while (over());
    return true;
  }

  /** Takes a waiting entry out of its list and reports it dropped. */
  #dropAt(list: Array<Packet | QueuedEmit>, index: number, reason: BufferDropReason, error: Error): void {
    this.#dropped(list.splice(index, 1)[0] as Packet | QueuedEmit, reason, error);
  }

  /** Reports an emit that will never be sent: a `buffer:drop` event, then its acknowledgement fails. */
  #dropped(item: Packet | QueuedEmit, reason: BufferDropReason, error: Error): void {
    const queued = "tries" in item;
    const data = queued ? [item.event, ...item.args] : (item.data as unknown[]);
    emitLocally(this.#owner, "buffer:drop", [{ reason, event: String(data[0]), args: data.slice(1), error }]);
    if (queued) this.#settleQueued(item, [error]);
    else {
      this.#info(item).release?.();
      if (item.id !== undefined) this.acks?.fail(item.id, error);
    }
  }

  /** Drops what waited longer than `buffer.maxAgeMs`; returns when the oldest remaining one expires. */
  #expire(): number {
    const maxAge = this.#limits?.maxAgeMs;
    if (maxAge === undefined) return Infinity;
    const now = Date.now();
    let next = Infinity;
    const [list, from] = this.#waitList();
    for (let i = from; i < list.length; ) {
      const expiry = this.#info(list[i] as Packet).at + maxAge;
      if (expiry > now) {
        next = Math.min(next, expiry);
        i++;
      } else {
        this.#dropAt(list, i, "expired", new SioError("ERR_EXPIRED", DEV ? `emit dropped: buffered over ${maxAge} ms` : `${maxAge}`));
      }
    }
    return next;
  }

  #ackTable(): AckTable {
    this.acks ??= new AckTable({
      timers: this.#link.timers,
      unref: (handle) => this.#link.unref(handle),
      onTimeout: (id) => this.#dropUnsent(id),
    });
    return this.acks;
  }

  /** Writes a packet now if the session takes it, then tells the outgoing catch-all listeners. */
  #transmit(data: unknown, chunks: readonly EncodedChunk[], compress: boolean): boolean {
    if (!this.#link.canSend()) return false;
    if (!this.#link.write(chunks, compress)) return false;
    if (this.outgoing.length > 0 && Array.isArray(data)) {
      for (const listener of this.outgoing) {
        (listener as (...a: unknown[]) => void).apply(this.#owner, data as unknown[]);
      }
    }
    return true;
  }

  /** Sends what was emitted while disconnected, in order; stops (keeping the rest) if the session goes. */
  #flush(): void {
    if (this.#flushing || this.#holding) return;
    this.#flushing = true;
    const owner = this.#owner;
    try {
      // Emits made by listeners during the flush are appended to the new buffer and go out after it.
      while (owner.connected && this.buffer.length > 0) {
        const pending = this.buffer;
        this.buffer = [];
        let done = 0;
        while (done < pending.length && owner.connected && this.#sendBuffered(pending[done] as OutgoingPacket)) done++;
        if (done < pending.length) {
          this.buffer = pending.slice(done).concat(this.buffer);
          return;
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** False when the session cannot take the packet now (it stays buffered). */
  #sendBuffered(packet: OutgoingPacket): boolean {
    const buffered = this.#buffered?.get(packet);
    let chunks = buffered?.chunks;
    if (chunks === undefined) {
      // A packet put there by user code: encode it now, and drop it if it cannot be.
      try {
        chunks = this.#link.encode({ ...packet, nsp: this.#owner.nsp });
      } catch (error) {
        rethrowLater(error);
        return true;
      }
    }
    if (!this.#transmit(packet.data, chunks, packet.options?.compress !== false)) return false;
    // Sent: an abort now only matters to its acknowledgement, whose settling releases the signal.
    if (packet.id === undefined) buffered?.release?.();
    return true;
  }

  /** An acknowledgement timed out before its packet could be sent: never send it. */
  #dropUnsent(id: number): void {
    const index = this.buffer.findIndex((packet) => packet.id === id);
    if (index !== -1) this.buffer.splice(index, 1);
  }

  // -------------------------------------------------------------------------------------------------------
  // Retries: at-least-once delivery, one emit in flight at a time

  #enqueue(event: string, args: unknown[], emitFlags: EmitFlags): void {
    let ack: AckCallback | undefined;
    let payload = args;
    if (typeof args[args.length - 1] === "function") {
      ack = args[args.length - 1] as AckCallback;
      payload = args.slice(0, -1);
    }
    // Encode once now so that unencodable arguments throw at the emit, not at some later retry.
    const chunks = this.#link.encode({ type: PacketType.EVENT, nsp: this.#owner.nsp, data: [event, ...payload], id: 0 });
    // The signal applies to the whole queued emit, not to each try.
    const { signal, ...flags } = emitFlags;
    const entry: QueuedEmit = { event, args: payload, ack, flags, tries: 0, pending: false, at: Date.now(), bytes: sizeOf(chunks) };
    // Sent at once when nothing is queued and we are connected: only an emit that will wait must fit.
    if ((!this.#owner.connected || this.#queue.length > 0) && !this.#fits(entry.bytes)) {
      this.#dropped(entry, "overflow", overflowError());
      return;
    }
    if (signal !== undefined) {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(entry);
        if (index === -1) return;
        const error = abortError(signal);
        if (entry.tries === 0) {
          this.#dropAt(this.#queue, index, "aborted", error);
          return;
        }
        // In flight: give up on it (a late reply is ignored) and let the next one go.
        this.#queue.splice(index, 1);
        this.#settleQueued(entry, [error]);
        this.#drainQueue(false);
      };
      signal.addEventListener("abort", onAbort);
      entry.release = () => signal.removeEventListener("abort", onAbort);
    }
    this.#queue.push(entry);
    this.#drainQueue(false);
    this.armExpiry();
  }

  #drainQueue(force: boolean): void {
    while (this.#owner.connected && this.#queue.length > 0) {
      const entry = this.#queue[0] as QueuedEmit;
      if (entry.pending && !force) return;
      entry.pending = true;
      entry.tries++;
      const onReply: AckCallback = (err, ...reply) => this.#onQueuedReply(entry, err, reply);
      if (this.clientId !== undefined) entry.id ??= this.#ackTable().nextId++;
      try {
        this.#emitNow(entry.event, [...entry.args, onReply], entry.flags, true, entry.id);
        return;
      } catch (error) {
        this.#queue.shift();
        this.#settleQueued(entry, [error]);
      }
    }
  }

  #onQueuedReply(entry: QueuedEmit, err: unknown, reply: unknown[]): void {
    if (this.#queue[0] !== entry) return;
    entry.pending = false;
    if (err != null) {
      if (entry.tries <= this.#retries) {
        this.#drainQueue(false);
        return;
      }
      this.#queue.shift();
      this.#settleQueued(entry, [err]);
    } else {
      this.#queue.shift();
      this.#settleQueued(entry, [null, ...reply]);
    }
    this.#drainQueue(false);
  }

  #settleQueued(entry: QueuedEmit, args: unknown[]): void {
    entry.release?.();
    if (entry.ack === undefined) return;
    try {
      entry.ack(...args);
    } catch (error) {
      // The next queued emit must still go out.
      rethrowLater(error);
    }
  }
}
