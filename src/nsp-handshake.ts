// The namespace handshake of a Socket (Socket.IO CONNECT): running the `auth` option, the CONNECT payload
// (with connection state recovery's session and offset), and reading the server's answer.

import { isObject } from "./codec/packet";
import { ConnectError, SioError } from "./errors";
import { CLIENT_ID_KEY } from "./exactly-once";
import type { AuthOption } from "./types";
import { DEV } from "./internal/dev";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** An Error as it is, anything else wrapped in an ERR_ABORTED SioError saying `what` failed. */
export function toError(value: unknown, what: string): Error {
  if (value instanceof Error) return value;
  return new SioError("ERR_ABORTED", DEV ? `${what}: ${String(value)}` : `${what} ${String(value)}`, { cause: value });
}

/**
 * Runs the `auth` option: an object (or nothing) as it is, `(cb) => cb(data)`, or a function returning the
 * data (or a promise of it). `proceed` receives the data, `fail` the failure; at most one of them runs, once.
 */
export function runAuth(auth: AuthOption | undefined, proceed: (data: unknown) => void, fail: (error: unknown) => void): void {
  let settled = false;
  const ok = (data: unknown): void => {
    if (settled) return;
    settled = true;
    proceed(data);
  };
  const ko = (error: unknown): void => {
    if (settled) return;
    settled = true;
    fail(error);
  };
  if (typeof auth !== "function") {
    ok(auth);
    return;
  }
  try {
    const result: unknown = auth(ok);
    // A function taking no callback gives its data as its (possibly async) result; one taking the
    // callback may still be async, and then only its failure matters.
    const usesResult = auth.length === 0;
    if (isThenable(result)) {
      result.then((data) => {
        if (usesResult || data !== undefined) ok(data);
      }, ko);
    } else if (usesResult && result !== undefined) {
      ok(result);
    }
  } catch (error) {
    ko(error);
  }
}

/**
 * The CONNECT packet's data. With a session to recover, it tells the server which one and the last event
 * seen; the user's auth fields win on a clash, as in socket.io-client.
 */
export function connectData(auth: unknown, pid: string | undefined, offset: string | undefined, clientId?: string): unknown {
  const data = pid === undefined ? auth : { pid, offset, ...(isObject(auth) ? auth : {}) };
  // exactlyOnce: the socket's client id beside the user's fields (src/exactly-once.ts).
  return clientId === undefined ? data : { ...(isObject(data) ? data : {}), [CLIENT_ID_KEY]: clientId };
}

/** The server's CONNECT answer: its session id and recovery id; undefined when it has no session id. */
export function readConnectReply(data: unknown): { sid: string; pid: string | undefined } | undefined {
  if (!isObject(data)) return undefined;
  const { sid, pid } = data;
  if (typeof sid !== "string" || sid === "") return undefined;
  return { sid, pid: typeof pid === "string" ? pid : undefined };
}

/** The error of a CONNECT_ERROR answer: the server's message and its middleware's `err.data`. */
export function refusalError(data: unknown): ConnectError {
  let message = "the server refused the connection";
  if (isObject(data) && typeof data.message === "string") message = data.message;
  else if (typeof data === "string") message = data;
  return new ConnectError(message, isObject(data) ? data.data : undefined);
}
