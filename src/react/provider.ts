// <SocketProvider>: gives its subtree one shared connection, opened while it is mounted; and useSocket(),
// which reads it.

import { createContext, createElement, useContext, useEffect, type ReactElement, type ReactNode } from "react";
import { SioError, type DefaultEventsMap, type EventsMap, type IoOptions, type Socket } from "../index";
import { Connection } from "./connections";

export interface SocketProviderProps {
  /**
   * The server and namespace, as given to `io()`: "https://example.com", "https://example.com/chat".
   * Without it, the page's origin and the main namespace.
   */
  url?: string;
  /**
   * io() options. Compared by content, so an inline object is fine. An `auth` callback may be inline too:
   * the latest render's is called before each connection. Other function-valued options (a parser module,
   * an agent) are compared by identity and should be stable. `autoConnect: false` leaves connecting to the
   * app (`useSocket().connect()`).
   */
  options?: IoOptions;
  children?: ReactNode;
}

const ConnectionContext = /* @__PURE__ */ createContext<Connection | null>(null);

/**
 * Opens one connection for `url` + `options` while mounted and shares it with every component below it.
 * StrictMode's double render and mount rehearsal open exactly one connection; unmounting closes it and
 * removes every listener the hooks added. Providers with the same URL and equal options share it too.
 *
 * @example
 * <SocketProvider url="https://example.com/chat" options={{ auth: { token } }}>
 *   <ChatRoom />
 * </SocketProvider>
 */
export function SocketProvider({ url, options, children }: SocketProviderProps): ReactElement {
  const connection = Connection.lookup(url, options);
  // Every commit, before the connection may connect below: a new inline `auth` callback replaces the old one.
  useEffect(() => {
    connection.update(options);
  });
  useEffect(() => {
    connection.retain();
    return () => connection.release();
  }, [connection]);
  return createElement(ConnectionContext.Provider, { value: connection }, children);
}

/** The nearest provider's connection; `hook` names the caller in the error thrown without one. @internal */
export function useConnection(hook: string): Connection {
  const connection = useContext(ConnectionContext);
  if (connection === null) {
    throw new SioError("ERR_INVALID_STATE", `${hook}() was called outside a <SocketProvider>: wrap this component in one`);
  }
  return connection;
}

/**
 * The Socket of the nearest <SocketProvider>, typed with the app's event maps. Throws a SioError
 * (ERR_INVALID_STATE) outside a provider.
 *
 * @example
 * const socket = useSocket<ServerToClientEvents, ClientToServerEvents>();
 * const reply = await socket.timeout(5000).emitWithAck("join", room);
 */
export function useSocket<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen>(): Socket<Listen, Emit> {
  // The provider creates an untyped Socket; the event maps only describe what the app and its server agree on.
  return useConnection("useSocket").socket as unknown as Socket<Listen, Emit>;
}
