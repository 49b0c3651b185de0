// Proves the script-tag bundle works inside a dedicated Web Worker (importScripts, default origin = the worker's
// location), including a worker without XMLHttpRequest, where polling must go through fetch.

import { test } from "node:test";
import assert from "node:assert/strict";
import { bounded, client, clientPageUrl, openPage, scriptBundle, startStack, useChromium } from "./harness";

const browser = useChromium();

interface WorkerReport {
  ok: boolean;
  error?: string;
  text?: string;
  bytes?: number[] | string;
  transport?: string;
  hasXhr?: boolean;
}

const cases = [
  { transports: ["websocket"], noxhr: false },
  { transports: ["polling"], noxhr: false },
  { transports: ["polling"], noxhr: true },
  { transports: ["websocket", "polling"], noxhr: true },
] as const;

for (const { transports, noxhr } of cases) {
  const name = `a Web Worker ${noxhr ? "without XMLHttpRequest " : ""}connects with transports ${JSON.stringify(transports)}, acks and round-trips binary`;
  const skip = noxhr && transports[0] === "polling" && client !== "siolink"
    ? "socket.io-client's default polling transport needs XMLHttpRequest"
    : false;
  test(name, { ...bounded, skip }, async (t) => {
    const server = await startStack(t);
    server.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    const { page, errors } = await openPage(browser(), clientPageUrl(server));
    const query = new URLSearchParams({ bundle: scriptBundle, transports: transports.join(","), noxhr: noxhr ? "1" : "0" });

    const report = await page.evaluate(
      (src) =>
        new Promise<WorkerReport>((resolve) => {
          const worker = new Worker(src);
          const timer = setTimeout(() => resolve({ ok: false, error: "the worker never reported" }), 15_000);
          worker.onmessage = (event: MessageEvent<WorkerReport>) => {
            clearTimeout(timer);
            worker.terminate();
            resolve(event.data);
          };
          worker.onerror = (event) => {
            clearTimeout(timer);
            worker.terminate();
            resolve({ ok: false, error: `worker error: ${event.message}` });
          };
        }),
      `/pages/worker.js?${query}`,
    );

    assert.deepEqual(report, {
      ok: true,
      text: "worker",
      bytes: [7, 8, 9],
      transport: transports[0] === "websocket" ? "websocket" : "polling",
      hasXhr: !noxhr,
    });
    assert.deepEqual(errors, []);
  });
}
