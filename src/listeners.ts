// The listening half of a Socket (src/socket.ts: on/once/off with siolink's `{ signal }` option, the catch-all
// listeners of incoming events, waitFor(), the dispatch of a received event): its helpers and types.

import { AbortError } from "./errors";
import type { UntypedArg } from "./types";

export type Fn = (...args: unknown[]) => void;

/** The arguments a listener of type L receives (waitFor resolves with them). */
export type ListenerArgs<L> = L extends (...args: infer P) => unknown ? P : never;

/** A catch-all listener: the event name, then the event's arguments. */
export type AnyListener = { bivarianceHack(event: string, ...args: UntypedArg[]): void }["bivarianceHack"];

/** Catch-all listener lists are replaced, never changed in place: dispatch needs no snapshot copy. */
export const NO_LISTENERS: readonly AnyListener[] = Object.freeze([]);

/** The error of an emit or a wait cancelled through `signal`. */
export const abortError = (signal: AbortSignal): AbortError => new AbortError(undefined, { cause: signal.reason });

/** Calls `fn` once when `signal` aborts; returns what removes that abort listener. */
export function whenAborted(signal: AbortSignal, fn: () => unknown): () => void {
  signal.addEventListener("abort", fn, { once: true });
  return () => signal.removeEventListener("abort", fn);
}

/** A copy of `listeners` without the first `listener` (without any when undefined); adding copies inline. */
export function withoutListener(listeners: readonly AnyListener[], listener: AnyListener | undefined): readonly AnyListener[] {
  return listener === undefined ? NO_LISTENERS : listeners.filter((l, i) => l !== listener || i !== listeners.indexOf(listener));
}
