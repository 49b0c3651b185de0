// The StrictMode test page: a provider (mounted and unmounted by a button) around a component that uses
// every hook. `window.probe` tells test/browser/react.test.ts what happened: statuses rendered, effect runs,
// the Socket, and how many listeners sit on it and on its Manager.
// Written with createElement rather than JSX, so that the repository's `tsc` checks it without a JSX setting.

import { createElement as h, Fragment, StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import type { IoOptions, Socket } from "../../../src/index";
import { SocketProvider, useSocket, useSocketEvent, useSocketStatus, type SocketStatus } from "../../../src/react/index";

export interface ServerToClient {
  news: (text: string) => void;
}

export interface ClientToServer {
  echo: (text: string, ack: (reply: string) => void) => void;
}

const SOCKET_EVENTS = ["connect", "disconnect", "connect_error", "news"] as const;
const MANAGER_EVENTS = [
  "open",
  "close",
  "error",
  "ping",
  "packet",
  "reconnect_attempt",
  "reconnect",
  "reconnect_error",
  "reconnect_failed",
] as const;

export interface Probe {
  /** Statuses in the order the component rendered them (StrictMode's repeated effect runs folded). */
  statuses: SocketStatus[];
  /** Runs of the component's mount effect and of its cleanup: 2 and 1 when StrictMode rehearsed. */
  mounts: number;
  unmounts: number;
  /** The provider's Socket, kept after the provider unmounts so its listeners can still be counted. */
  socket: Socket<ServerToClient, ClientToServer> | undefined;
  listenerCounts(): { socket: Record<string, number>; manager: Record<string, number>; any: number };
  /** The listener useSocketEvent added for "news", to tell whether a re-render replaced it. */
  newsListener(): unknown;
}

const probe: Probe = {
  statuses: [],
  mounts: 0,
  unmounts: 0,
  socket: undefined,
  listenerCounts() {
    const socket = probe.socket;
    if (socket === undefined) throw new Error("no socket yet");
    const count = <T extends string>(names: readonly T[], listeners: (name: T) => number) =>
      Object.fromEntries(names.map((name) => [name, listeners(name)]));
    return {
      socket: count(SOCKET_EVENTS, (name) => socket.listeners(name).length),
      manager: count(MANAGER_EVENTS, (name) => socket.io.listeners(name).length),
      any: socket.listenersAny().length,
    };
  },
  newsListener() {
    return probe.socket?.listeners("news")[0];
  },
};
(window as unknown as { probe: Probe }).probe = probe;

function Feed() {
  const socket = useSocket<ServerToClient, ClientToServer>();
  const status = useSocketStatus();
  const [label, setLabel] = useState("A");
  const [items, setItems] = useState<string[]>([]);
  const [reply, setReply] = useState("");

  useEffect(() => {
    probe.socket = socket;
  }, [socket]);
  useEffect(() => {
    probe.mounts++;
    return () => {
      probe.unmounts++;
    };
  }, []);
  useEffect(() => {
    if (probe.statuses.at(-1) !== status) probe.statuses.push(status);
  }, [status]);
  // Reads `label` from the render that is current when the event arrives.
  useSocketEvent<ServerToClient, "news">("news", (text) => setItems((list) => [...list, `${label}: ${text}`]));

  const echo = async () => {
    try {
      setReply(await socket.timeout(5000).emitWithAck("echo", "ping"));
    } catch (error) {
      setReply(`failed: ${(error as Error).message}`);
    }
  };

  return h(
    "section",
    null,
    h("p", { id: "status", "data-status": status }, status),
    h("button", { id: "label", onClick: () => setLabel("B") }, `label ${label}`),
    h("button", { id: "echo", onClick: echo }, "echo"),
    h("output", { id: "reply" }, reply),
    h("ul", { id: "news" }, ...items.map((item, index) => h("li", { key: index }, item))),
  );
}

function App({ options, authCallback }: { options: IoOptions; authCallback: boolean }) {
  const [mounted, setMounted] = useState(true);
  const [renders, setRenders] = useState(0);
  // A new options object, and with ?auth=callback a new auth callback, on every render, as apps write them.
  const providerOptions: IoOptions = authCallback ? { ...options, auth: (send) => send({ renders }) } : { ...options };
  return h(
    Fragment,
    null,
    h("button", { id: "toggle", onClick: () => setMounted((value) => !value) }, mounted ? "unmount" : "mount"),
    h("button", { id: "rerender", onClick: () => setRenders((n) => n + 1) }, `renders ${renders}`),
    mounted
      ? h(SocketProvider, { url: location.origin, options: providerOptions }, h(Feed))
      : h("p", { id: "unmounted" }, "provider unmounted"),
  );
}

const query = new URLSearchParams(location.search);
const options = JSON.parse(query.get("options") ?? "{}") as IoOptions;
const container = document.getElementById("root");
if (container === null) throw new Error("the page has no #root element");
createRoot(container).render(h(StrictMode, null, h(App, { options, authCallback: query.get("auth") === "callback" })));
