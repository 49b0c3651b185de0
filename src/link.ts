// The narrow interfaces between a Manager and its Sockets (types only: neither module imports the other's code
// through here).

import type { EncodedChunk, Packet } from "./codec/packet";
import type { TimerHandle, Timers } from "./internal/timers";
import type { DisconnectDescription, DisconnectReason } from "./types";

/**
 * What a Socket needs from the Manager it rides on, besides the Manager's public API (state, open(),
 * _autoConnect): its TypeScript-private members, read by casting the Manager; not public API.
 * @internal
 */
export interface ManagerLink {
  readonly timers: Timers;
  /** Sets a timer with `timers`; under the Manager's `autoUnref`, one that lets Node exit while only it is pending. */
  startTimer(fn: () => void, ms: number): TimerHandle;
  /**
   * Number of the current session, so a reply meant for an earlier session is never sent on a later one;
   * changes on every transition, so a number read while open still read means the session is open.
   */
  session(): number;
  /** Attaches `hooks` for its namespace (replacing another socket's of the same namespace, if any). */
  attach(hooks: NamespaceHooks): void;
  /** The Manager closes its connection when no socket remains attached. */
  detach(hooks: NamespaceHooks): void;
  encode(packet: Packet): EncodedChunk[];
  /**
   * Writes one encoded packet; false when the session cannot take it now (closed, closing, heartbeat expired:
   * the caller keeps it), and for a `volatile` one also when the transport would have to queue it.
   */
  write(chunks: readonly EncodedChunk[], compress: boolean, volatile?: boolean): boolean;
  /** The server broke the protocol: drop the connection as a "parse error" (reconnection follows). */
  protocolError(error: Error): void;
}

/** What the Manager tells an attached Socket. @internal */
export interface NamespaceHooks {
  readonly nsp: string;
  onOpen(): void;
  onPacket(packet: Packet): void;
  onError(error: Error): void;
  /** `stop`: the Manager will not try again (its onStopped follows). */
  onClose(reason: DisconnectReason, description: DisconnectDescription | undefined, stop: boolean): void;
  /**
   * The Manager gave up, every time it does (close(), reconnection off, attempts exhausted, a failed first open
   * told to its open() callbacks, a malformed URL): no connection will come.
   */
  onStopped(): void;
}
