// component-emitter, as every layer above the engine uses it: the typed base class and local emits that keep a
// listener's exception off the caller's stack.

import { Emitter } from "@socket.io/component-emitter";
import { rethrowLater } from "./subscriptions";
import type { EventsMap, TypedEventEmitter } from "../types";

/**
 * component-emitter at runtime (as in socket.io-client), seen through siolink's own typings, which keep
 * `any` out of the public types. The base of Socket and Manager.
 */
export const TypedEmitter = Emitter as unknown as new <User extends EventsMap, Reserved extends EventsMap>() => TypedEventEmitter<
  User,
  Reserved
>;

const emitterEmit = Emitter.prototype.emit as (this: object, ...eventAndArgs: unknown[]) => unknown;

/** component-emitter's off(), which Socket overrides. */
export const emitterOff = Emitter.prototype.off as (this: object, ...args: unknown[]) => unknown;

/**
 * Calls the listeners of `event` (component-emitter's emit, which Socket.emit hides). A listener's exception
 * is rethrown on its own stack (rethrowLater), never into the caller's state machine.
 */
export function emitLocally(target: object, event: string, args: readonly unknown[]): void {
  try {
    emitterEmit.call(target, event, ...args);
  } catch (error) {
    rethrowLater(error);
  }
}

/**
 * component-emitter's hasListeners without its two allocations: it makes an empty `_callbacks` table on an
 * emitter nobody listens to and an empty array on each call (garbage on every received message).
 */
export function heard(emitter: object, event: string): boolean {
  return !!(emitter as { _callbacks?: Record<string, unknown[] | undefined> })._callbacks?.["$" + event]?.length;
}
