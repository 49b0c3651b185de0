// How a tab reaches its host: a SharedWorker's MessagePort; else the leader tab (Web Locks) through a
// BroadcastChannel; else a host inside the tab itself (a direct connection).

import { Host } from "./host";
import type { Hub } from "./hub";
import type { Addressed, HostMessage } from "./protocol";

/** How long a SharedWorker may take to say hello before the tab falls back to leader election. */
const WORKER_START_MS = 5000;
const NAME = "siolink";

export const WORKER_NAME = NAME;

/** BroadcastChannel envelopes: to "host" (with the sender), or to one tab's hub id, or to every tab ("*"). */
type Envelope = { to: "host"; from: string; m: Addressed } | { to: string; m: HostMessage };

/** Connects `hub` to a host in this very tab. */
function local(hub: Hub, host: Host): void {
  const receive = host.connect(hub.id, (m) => queueMicrotask(() => hub.receive(m)), false);
  hub.link((m) => queueMicrotask(() => m.h === host.id && receive(m)));
  hub.receive({ t: "hello", h: host.id });
}

/** No SharedWorker, no leader election: this tab holds its own connection. */
export function solo(hub: Hub): void {
  local(hub, new Host("tab", undefined));
}

export function canLead(): boolean {
  return typeof BroadcastChannel === "function" && typeof navigator !== "undefined" && !!navigator.locks;
}

/**
 * Leader election: every tab queues for one lock; the tab holding it hosts the connection for the others,
 * which talk to it over a BroadcastChannel. The lock passes on when the leader's page goes; the next tab
 * announces itself with "hello" and every tab re-sends its sockets and unconfirmed emits.
 */
export function viaLeader(hub: Hub): void {
  const channel = new BroadcastChannel(`${NAME}:tabs`);
  let host: Host | undefined;
  const receivers = new Map<string, (m: Addressed) => void>();
  channel.onmessage = (event: MessageEvent<Envelope>) => {
    const envelope = event.data;
    if (!host) {
      if (envelope.to === hub.id || envelope.to === "*") hub.receive(envelope.m as HostMessage);
      return;
    }
    if (envelope.to !== "host" || !("from" in envelope)) return;
    const { from, m } = envelope;
    if (m.t === "who") return channel.postMessage({ to: from, m: { t: "hello", h: host.id } });
    if (m.h !== host.id) return;
    if (m.t === "hi" || !host.has(from)) {
      receivers.set(from, host.connect(from, (reply) => channel.postMessage({ to: from, m: reply })));
    }
    receivers.get(from)?.(m);
  };
  hub.link((m) => channel.postMessage({ to: "host", from: hub.id, m }));
  channel.postMessage({ to: "host", from: hub.id, m: { t: "who" } });
  void navigator.locks.request(`${NAME}:leader`, () => {
    host = new Host("leader");
    local(hub, host);
    channel.postMessage({ to: "*", m: { t: "hello", h: host.id } });
    // Held until the page goes away.
    return new Promise<void>(() => {});
  });
}

/**
 * Through a SharedWorker. An error event, or no hello within WORKER_START_MS, means it did not start:
 * `fallback` runs (once) and the hub re-sends everything to the next host.
 */
export function viaWorker(hub: Hub, worker: SharedWorker, fallback: () => void): void {
  const port = worker.port;
  let settled = false;
  const fail = (): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    port.onmessage = null;
    port.close();
    fallback();
  };
  const timer = setTimeout(fail, WORKER_START_MS);
  worker.addEventListener("error", fail);
  port.onmessage = (event: MessageEvent<HostMessage>) => {
    if (!settled && event.data.t === "hello") {
      settled = true;
      clearTimeout(timer);
    }
    hub.receive(event.data);
  };
  hub.link((m) => port.postMessage(m));
  port.start();
}
