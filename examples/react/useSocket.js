// React hooks for siolink: one socket per component tree, connected while mounted, listeners that always see
// the latest props and state. Works unchanged with socket.io-client (swap the import).

import { useEffect, useRef, useState } from "react";
import { io } from "siolink";

/**
 * Creates a socket for `url` once, connects it on mount and disconnects it on unmount.
 * `autoConnect: false` + connecting inside the effect keeps React StrictMode's mount → unmount → mount
 * rehearsal from leaving a second live connection behind.
 */
export function useSocket(url, options) {
  const [socket] = useState(() => io(url, { ...options, autoConnect: false }));
  const [connected, setConnected] = useState(socket.connected);

  useEffect(() => {
    const onConnect = () => setConnected(true);
    const onDisconnect = () => setConnected(false);
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.connect();
    return () => {
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.disconnect();
    };
  }, [socket]);

  return { socket, connected };
}

/** Subscribes `handler` to `event` for the component's lifetime; the latest handler is called every time. */
export function useSocketEvent(socket, event, handler) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const listener = (...args) => latest.current(...args);
    socket.on(event, listener);
    return () => socket.off(event, listener);
  }, [socket, event]);
}
