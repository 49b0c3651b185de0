// useSocketEvent and useSocketStatus: listening to the provider's Socket from components without stacking
// listeners across renders or leaving them behind after unmount.

import { useEffect, useInsertionEffect, useRef, useSyncExternalStore } from "react";
import type {
  DefaultEventsMap,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  Socket,
  SocketReservedEvents,
  UntypedArg,
} from "../index";
import { useConnection } from "./provider";
import type { SocketStatus } from "./status";

type EventName<Listen extends EventsMap> = ReservedOrUserEventNames<SocketReservedEvents, Listen>;

/**
 * Calls `handler` for each `event` the provider's Socket receives, while the component is mounted. The
 * listener is added once (again only if `event` or the connection changes) and always calls the handler of
 * the latest render, so the handler can read current props and state without being memoised.
 *
 * Reserved events work too ("connect", "disconnect", "connect_error"). With an event map, name the event
 * twice, as TypeScript cannot infer one type argument when the other is given:
 *
 * @example
 * useSocketEvent("news", (text) => setItems((items) => [...items, String(text)]));
 * useSocketEvent<ServerToClientEvents, "news">("news", (text) => setItems((items) => [...items, text]));
 */
export function useSocketEvent<
  Listen extends EventsMap = DefaultEventsMap,
  Ev extends EventName<Listen> = EventName<Listen>,
>(event: Ev, handler: ReservedOrUserListener<SocketReservedEvents, Listen, Ev>): void {
  const socket = useConnection("useSocketEvent").socket as unknown as Socket<Listen>;
  const latest = useRef(handler);
  // Updated after the render commits (a render that is thrown away must not replace it), before any effect
  // or socket event can call it: insertion effects run first in the commit.
  useInsertionEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const listener = ((...args: UntypedArg[]): void => {
      (latest.current as (...args: UntypedArg[]) => void)(...args);
    }) as ReservedOrUserListener<SocketReservedEvents, Listen, Ev>;
    socket.on(event, listener);
    return () => {
      socket.off(event, listener);
    };
  }, [socket, event]);
}

/**
 * The provider's connection status, re-rendering when it changes: "connecting" until the first connection,
 * "connected", "reconnecting" after the connection was lost, "disconnected" when not trying any more. Once
 * the provider mounted, this is `socket.status`; before, it is what the provider is about to do.
 *
 * @example
 * const status = useSocketStatus();
 * return <p className={status}>{status === "reconnecting" ? "Connection lost, retrying…" : status}</p>;
 */
export function useSocketStatus(): SocketStatus {
  const { status } = useConnection("useSocketStatus");
  return useSyncExternalStore(status.subscribe, status.getSnapshot, status.getServerSnapshot);
}
