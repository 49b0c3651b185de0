import { DEV } from "./internal/dev";
// The one error family: every error siolink creates is a SioError with a stable `code`.
// Messages name the state or input that caused them, so a log line alone tells what went wrong.

export type SioErrorCode =
  | "ERR_INVALID_ARG" // misuse by the caller: bad option, reserved event name, unserialisable argument
  | "ERR_INVALID_STATE" // the object cannot do this in its current state
  | "ERR_TRANSPORT" // a transport failed (network, HTTP status, WebSocket error)
  | "ERR_HANDSHAKE" // the Engine.IO open packet was malformed
  | "ERR_PROTOCOL" // the server sent something the codec or session refuses
  | "ERR_TIMEOUT" // connect timeout or ack timeout
  | "ERR_CONNECT" // the server refused the namespace (CONNECT_ERROR)
  | "ERR_ABORTED" // the caller cancelled the operation
  | "ERR_BUFFER_OVERFLOW" // an emit did not fit the socket's `buffer` limits
  | "ERR_EXPIRED"; // a buffered emit waited longer than `buffer.maxAgeMs`

export interface SioErrorOptions {
  cause?: unknown;
}

// Fields assigned in constructors are `declare`d: the same own properties, without a class-field definition each.

export class SioError extends Error {
  declare readonly code: SioErrorCode;

  constructor(code: SioErrorCode, message: string, options?: SioErrorOptions) {
    // No `cause` property at all when there is none (Node would print "[cause]: undefined").
    super(message, options?.cause === undefined ? undefined : options);
    this.name = "SioError";
    this.code = code;
  }
}

/** ERR_INVALID_ARG: the caller passed an option, argument or value siolink cannot use. */
export function invalidArg(message: string, cause?: unknown): SioError {
  return new SioError("ERR_INVALID_ARG", message, { cause });
}

/** ERR_INVALID_STATE: the object cannot do this in its current state (or the runtime lacks what it needs). */
export function invalidState(message: string): SioError {
  return new SioError("ERR_INVALID_STATE", message);
}

/**
 * Checks an option that is a delay or a factor: undefined stays undefined (the caller's default applies),
 * anything but a non-negative number throws ERR_INVALID_ARG naming the option.
 */
export function nonNegative(name: string, value: unknown): number | undefined {
  if (value !== undefined && (typeof value !== "number" || !(value >= 0))) {
    throw invalidArg(DEV ? `${name} must be a non-negative number, got ${String(value)}` : `${name} ${String(value)}`);
  }
  return value;
}

/**
 * A transport failed. `type`, `description` and `context` keep the shape socket.io-client users already
 * inspect in `connect_error` handlers (`err.message === "websocket error"`, `err.description`).
 */
export class TransportError extends SioError {
  declare readonly type: "TransportError";
  declare readonly description: unknown;
  declare readonly context: unknown;

  constructor(message: string, description?: unknown, context?: unknown) {
    super("ERR_TRANSPORT", message, description instanceof Error ? { cause: description } : undefined);
    this.name = this.type = "TransportError";
    this.description = description;
    this.context = context;
  }
}

/**
 * The failure reported when the server sends more than `maxReceiveSize` bytes at once (a WebSocket frame, a
 * polling response); `context.limit` holds the limit.
 */
export function tooLargeError(what: string, limit: number, cause?: unknown): TransportError {
  return new TransportError(DEV ? `message too large: ${what} exceeded maxReceiveSize (${limit} bytes)` : `${what} ${limit}`, cause, { limit });
}

/** The server sent bytes the codec, handshake or session refuses. */
export class ProtocolError extends SioError {
  constructor(message: string, options?: SioErrorOptions & { code?: "ERR_PROTOCOL" | "ERR_HANDSHAKE" }) {
    super(options?.code ?? "ERR_PROTOCOL", message, options);
    this.name = "ProtocolError";
  }
}

/** A connect attempt or an acknowledgement did not complete in time. */
export class TimeoutError extends SioError {
  constructor(message: string) {
    super("ERR_TIMEOUT", message);
    this.name = "TimeoutError";
  }
}

/** The server refused the namespace; `data` is what its middleware passed to `next(err)` as `err.data`. */
export class ConnectError<D = unknown> extends SioError {
  declare readonly data: D;

  constructor(message: string, data: D) {
    super("ERR_CONNECT", message);
    this.name = "ConnectError";
    this.data = data;
  }
}

/** The caller aborted the operation through an AbortSignal. */
export class AbortError extends SioError {
  constructor(message = DEV ? "the operation was aborted" : "", options?: SioErrorOptions) {
    super("ERR_ABORTED", message, options);
    this.name = "AbortError";
  }
}

/** True for any error siolink created, even across realms (an iframe, a worker bundle). */
export function isSioError(value: unknown): value is SioError {
  if (value instanceof SioError) return true;
  if (!(value instanceof Error)) return false;
  const code = (value as unknown as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("ERR_") && /Error$/.test(value.name);
}
