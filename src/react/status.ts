// The connection status a SocketProvider's subtree renders: one store per connection, read through
// useSyncExternalStore, following the Socket's own `status` and its `status:change` event.

import type { Socket, SocketStatus } from "../index";

/** The same four states as `socket.status` (defined with the Socket's types). */
export type { SocketStatus };

/**
 * The Socket already settles its status (no "disconnected" flash between reconnection attempts), so the
 * store only mirrors it. One difference: until the provider commits and attaches the store, it reports
 * what the provider is about to do ("connecting" unless `autoConnect: false`), since render must not
 * connect yet the first paint should not read "disconnected".
 */
export class StatusStore {
  readonly #socket: Socket;
  /** What the provider is about to do, reported until it commits and attaches the store. */
  readonly #initial: SocketStatus;
  /** The last value subscribers were told about: getSnapshot must be stable between notifications. */
  #status: SocketStatus;
  #attached = false;
  readonly #subscribers = new Set<() => void>();
  readonly #onChange = (): void => this.refresh();

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
    this.#socket.on("status:change", this.#onChange);
  }

  /** Stops following the socket and removes the listener it added. */
  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#socket.off("status:change", this.#onChange);
    this.#status = this.#initial;
  }

  /**
   * Reads `socket.status` now, telling subscribers if it changed. Reading the property rather than the
   * event's `to` keeps the store right when a status:change listener changed the status again.
   */
  refresh(): void {
    if (!this.#attached) return;
    const next = this.#socket.status;
    if (next === this.#status) return;
    this.#status = next;
    for (const onChange of [...this.#subscribers]) onChange();
  }
}
