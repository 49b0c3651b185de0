// The SharedWorker script (dist/browser/shared-worker.js, dist/siolink.shared-worker.js): one Host for every
// tab of the origin that loads siolink/shared. Bundles the full siolink client.

import { Host } from "./host";
import type { TabMessage } from "./protocol";

interface ConnectEvent {
  ports: readonly MessagePort[];
}

const host = new Host("worker");

(globalThis as unknown as { onconnect: (event: ConnectEvent) => void }).onconnect = (event) => {
  const port = event.ports[0];
  if (!port) return;
  let receive: ((message: TabMessage) => void) | undefined;
  port.onmessage = (message: MessageEvent<TabMessage & { h?: string }>) => {
    const m = message.data;
    if (m.h !== host.id) return;
    if (m.t === "hi") receive = host.connect(m.c, (reply) => port.postMessage(reply));
    receive?.(m);
  };
  port.postMessage({ t: "hello", h: host.id });
};
