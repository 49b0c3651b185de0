// The connection status a SocketProvider's subtree renders: one store per connection, read through
// useSyncExternalStore, derived from the Socket's and the Manager's state each time one of their events fires.

import type { Socket, SocketStatus } from "../index";

/** The same four states as `socket.status` (defined with the Socket's types). */
export type { SocketStatus };

const SOCKET_EVENTS = ["connect", "disconnect", "connect_error"] as const;
/** `close` and `open` also cover a disconnect() made before the namespace connected, which emits nothing itself. */
const MANAGER_EVENTS = ["reconnect_attempt", "reconnect", "reconnect_failed", "close", "open"] as const;

/**
 * The status is read from `socket.connected`, `socket.active` and `socket.io.state` rather than accumulated
 * from events, so it cannot drift from the real state. It is read one microtask after an event, because
 * events fire in the middle of a transition: while a lost session's `disconnect` listeners run, the Manager
 * reads "closed" for a moment before it schedules its reconnection, and reading it there would flash
 * "disconnected" on every reconnection.
 */
export class StatusStore {
  readonly #socket: Socket;
  /** What the provider is about to do, reported until it commits and attaches the store. */
  readonly #initial: SocketStatus;
  #status: SocketStatus;
  #attached = false;
  /** The socket was connected since it last was "disconnected": a new attempt is a reconnection. */
  #wasConnected = false;
  #queued = false;
  readonly #subscribers = new Set<() => void>();
  readonly #onEvent = (): void => this.#queue();

  constructor(socket: Socket, willConnect: boolean) {
    this.#socket = socket;
    this.#initial = willConnect ? "connecting" : "disconnected";
    this.#status = this.#initial;
  }

  /** For useSyncExternalStore: stable identity, so React subscribes once per component. */
  readonly subscribe = (onChange: () => void): (() => void) => {
    this.#subscribers.add(onChange);
    return () => {
      this.#subscribers.delete(onChange);
    };
  };

  readonly getSnapshot = (): SocketStatus => this.#status;

  /** What a server render shows and hydration expects: the provider has not connected there. */
  readonly getServerSnapshot = (): SocketStatus => this.#initial;

  /** Starts following the socket; idempotent. The caller reads the state with refresh() once it acted. */
  attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    this.#wasConnected = false;
    for (const event of SOCKET_EVENTS) this.#socket.on(event, this.#onEvent);
    for (const event of MANAGER_EVENTS) this.#socket.io.on(event, this.#onEvent);
  }

  /** Stops following the socket and removes every listener it added. */
  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    for (const event of SOCKET_EVENTS) this.#socket.off(event, this.#onEvent);
    for (const event of MANAGER_EVENTS) this.#socket.io.off(event, this.#onEvent);
    this.#status = this.#initial;
  }

  /** Reads the state now; for callers outside any socket transition (the provider's effects). */
  refresh(): void {
    if (!this.#attached) return;
    const next = this.#read();
    if (next === "connected") this.#wasConnected = true;
    else if (next === "disconnected") this.#wasConnected = false;
    if (next === this.#status) return;
    this.#status = next;
    for (const onChange of [...this.#subscribers]) onChange();
  }

  #queue(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.refresh();
    });
  }

  #read(): SocketStatus {
    const socket = this.#socket;
    if (socket.connected) return "connected";
    if (!socket.active) return "disconnected";
    // An active socket on a Manager that gave up (reconnection off, attempts exhausted, manager.close())
    // waits for a connect() that only the user can make.
    const manager = socket.io.state;
    if (manager === "closed" || manager === "idle") return "disconnected";
    return this.#wasConnected ? "reconnecting" : "connecting";
  }
}
