// The sending half of a Socket (src/socket.ts: the emit path with acknowledgement, signal and volatile, the
// acknowledgement table, and one queue, `sendBuffer`, for what waits: emits made while disconnected and,
// under `retries` (at-least-once, one emit in flight at a time), the emits queued behind the one in flight;
// the `buffer` limits (count, bytes, age) and their drop events apply to that queue): its helpers, types
// and the socket options' checks.

import { isObject, type EncodedChunk, type Packet } from "./codec/packet";
import { invalidArg, nonNegative, SioError } from "./errors";
import type { TimerHandle } from "./internal/timers";
import type { SocketOptions } from "./types";
import { DEV } from "./internal/dev";

export type AckCallback = (...args: unknown[]) => void;

/** The flags of one emit, set by compress(), volatile, timeout() and signal(). */
export interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  signal?: AbortSignal;
}

/** A packet as kept in `sendBuffer`: socket.io-client's shape, with its compression flag. */
export type OutgoingPacket = Packet & { options?: { compress?: boolean } };

/** What a queued emit carries besides its packet (not on the packet: users may read and copy sendBuffer). */
export interface Queued {
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
export const QUEUED = /* @__PURE__ */ new WeakMap<Packet, Queued>();

/** Node fires longer timers at once (with a warning): a longer timeout means "no timeout". */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** The sending phases: idle; flushing (the queue is being sent: new emits queue behind it); holding (connected
 * during the read in progress: writes wait in the queue until it is over, see flushOnConnect). */
export const IDLE = 0;
export const FLUSHING = 1;
export const HOLDING = 2;

/** The options of a socket without ackTimeout, retries or buffer, and the flags of a plain emit: one shared empty object. */
export const EMPTY: object = /* @__PURE__ */ Object.freeze({});

export const overflowError = (): SioError => new SioError("ERR_BUFFER_OVERFLOW", DEV ? "emit dropped: send buffer full" : "");

/**
 * The size counted by `buffer.maxBytes`: string chunks by their length (UTF-16 code units, so bytes for
 * ASCII text), binary ones by their byte length (a typed array's length counts elements; a Blob has neither, only its size); packets
 * users put in sendBuffer count none.
 */
export const size = (chunks: readonly EncodedChunk[] = []): number =>
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
