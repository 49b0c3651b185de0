// The client side of the Engine.IO v4 heartbeat: the server pings, the session answers; silence longer
// than pingInterval + pingTimeout means the server (or the path to it) is gone.

import type { TimerHandle, Timers } from "../internal/timers";
import type { Platform } from "../platform/platform";

/**
 * Told when the server has been silent too long: a callback, or an object with a method. The session passes
 * its sink, which exists anyway, where a closure would be one more object on every connection.
 */
export interface HeartbeatOwner {
  onHeartbeatTimeout(): void;
}

export class Heartbeat {
  readonly #timers: Timers;
  readonly #platform: Platform;
  readonly #autoUnref: boolean;
  readonly #owner: HeartbeatOwner | (() => void);

  #timer: TimerHandle | undefined;
  #delay = 0;
  /** Wall-clock time (ms) after which the server counts as silent; 0 while stopped. */
  #deadline = 0;
  /** The deadline the running timer was armed for. */
  #armedFor = 0;

  constructor(timers: Timers, platform: Platform, autoUnref: boolean, owner: HeartbeatOwner | (() => void)) {
    this.#timers = timers;
    this.#platform = platform;
    this.#autoUnref = autoUnref;
    this.#owner = owner;
  }

  get running(): boolean {
    return this.#deadline !== 0;
  }

  start(pingInterval: number, pingTimeout: number): void {
    this.#delay = pingInterval + pingTimeout;
    this.onPing();
  }

  /** A ping restarts the full timer. */
  onPing(): void {
    if (this.#delay === 0) return;
    this.#deadline = Date.now() + this.#delay;
    this.#arm(this.#delay);
  }

  /**
   * Any other packet proves the server alive too. Only the deadline moves: re-arming a timer per message would
   * cost more than the messages; the timer checks the deadline when it fires and re-arms for the remainder.
   */
  onActivity(): void {
    if (this.#deadline === 0) return;
    this.#deadline = Date.now() + this.#delay;
  }

  /** True when the deadline has passed by the wall clock, even if the timer never fired (frozen tab, sleep). */
  expired(): boolean {
    return this.#deadline !== 0 && Date.now() > this.#deadline;
  }

  stop(): void {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#deadline = 0;
    this.#armedFor = 0;
    this.#delay = 0;
  }

  #arm(ms: number): void {
    this.#timers.clearTimeout(this.#timer);
    this.#armedFor = this.#deadline;
    this.#timer = this.#timers.setTimeout(() => this.#fire(), ms);
    if (this.#autoUnref) this.#platform.unref(this.#timer);
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#deadline > this.#armedFor) {
      // Activity since arming: wait for the rest. Bounded by the full delay so a clock jump cannot stall us.
      const remaining = Math.min(Math.max(this.#deadline - Date.now(), 1), this.#delay);
      this.#arm(remaining);
      return;
    }
    this.stop();
    const owner = this.#owner;
    if (typeof owner === "function") owner();
    else owner.onHeartbeatTimeout();
  }
}
