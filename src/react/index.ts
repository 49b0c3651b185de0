// siolink/react: React bindings. One shared connection per <SocketProvider>, safe under StrictMode, and
// hooks that read it: useSocket, useSocketEvent, useSocketStatus. React (18 or later) is a peer dependency.

export { SocketProvider, useSocket, type SocketProviderProps } from "./provider";
export { useSocketEvent, useSocketStatus } from "./hooks";
export type { SocketStatus } from "./status";
