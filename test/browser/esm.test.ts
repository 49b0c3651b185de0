// Proves the bundler build (dist/browser/index.mjs) runs as native ES modules in Chromium: its exports, and a
// working connection over WebSocket and over polling with binary (base64 framing must use the browser codec).

import { test } from "node:test";
import assert from "node:assert/strict";
import { bounded, client, openPage, type PageSocket, startStack, useChromium } from "./harness";

const browser = useChromium();

interface EsmWindow {
  ready: Promise<void>;
  esm: {
    api: Record<string, unknown> & { io: (url?: string, opts?: Record<string, unknown>) => PageSocket };
    defaultIo: unknown;
  };
}

const esmPage = (url: string) => `${url}/pages/esm.html?client=${client}`;

test("the ESM build loads natively and exports io (also as default and connect), Manager, Socket and protocol", bounded, async (t) => {
  const server = await startStack(t);
  const { page, errors } = await openPage(browser(), esmPage(server.url));
  const exported = await page.evaluate(async () => {
    const w = window as unknown as EsmWindow;
    await w.ready;
    const { api, defaultIo } = w.esm;
    return {
      io: typeof api.io,
      defaultIsIo: defaultIo === api.io,
      connectIsIo: api.connect === api.io,
      Manager: typeof api.Manager,
      Socket: typeof api.Socket,
      protocol: api.protocol,
    };
  });
  assert.deepEqual(exported, {
    io: "function",
    defaultIsIo: true,
    connectIsIo: true,
    Manager: "function",
    Socket: "function",
    protocol: 5,
  });
  assert.deepEqual(errors, []);
});

for (const transport of ["websocket", "polling"] as const) {
  test(`an ESM import connects over ${transport} and round-trips text and binary with acks`, bounded, async (t) => {
    const server = await startStack(t);
    server.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    const { page, errors } = await openPage(browser(), esmPage(server.url));

    const result = await page.evaluate(async (transport) => {
      const w = window as unknown as EsmWindow;
      await w.ready;
      const socket = w.esm.api.io(location.origin, { transports: [transport], reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", (err: Error) => reject(new Error(`connect_error: ${err.message}`)));
      });
      const ack = await socket.timeout(5000).emitWithAck("echo", { text: "ünïcødé", bytes: new Uint8Array([0, 128, 255]) });
      const engine = socket.io.engine;
      socket.disconnect();
      return {
        text: ack.text as string,
        bytes: ack.bytes instanceof ArrayBuffer ? Array.from(new Uint8Array(ack.bytes)) : String(ack.bytes),
        transport: engine?.transport.name,
      };
    }, transport);

    assert.deepEqual(result, { text: "ünïcødé", bytes: [0, 128, 255], transport });
    assert.deepEqual(errors, []);
  });
}

// socket.io-client's transport exports: Fetch and XHR choose how polling makes its requests, WebSocket
// connects over WebSocket only.
for (const which of ["Fetch", "XHR", "WebSocket"] as const) {
  test(`transports: [${which}] (the export) connects, with the request API it names`, bounded, async (t) => {
    const server = await startStack(t);
    server.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    const { page, errors } = await openPage(browser(), esmPage(server.url));

    const result = await page.evaluate(async (which) => {
      const w = window as unknown as EsmWindow;
      await w.ready;
      // Counts the Engine.IO requests each API makes. (No named functions in here: the test runner's
      // transform would wrap them in a helper the page does not have.)
      const used = { fetch: 0, xhr: 0 };
      const fetch = window.fetch;
      window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input instanceof Request ? input.url : input).includes("/socket.io/")) used.fetch++;
        return fetch(input, init);
      };
      const open = XMLHttpRequest.prototype.open as (this: XMLHttpRequest, ...args: unknown[]) => void;
      XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: unknown[]) {
        if (String(args[1]).includes("/socket.io/")) used.xhr++;
        open.apply(this, args);
      } as typeof XMLHttpRequest.prototype.open;
      const socket = w.esm.api.io(location.origin, { transports: [w.esm.api[which]], reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", (err: Error) => reject(new Error(`connect_error: ${err.message}`)));
      });
      const ack = await socket.timeout(5000).emitWithAck("echo", "ok");
      const transport = socket.io.engine?.transport.name;
      socket.disconnect();
      return { ack, transport, fetch: used.fetch > 0, xhr: used.xhr > 0 };
    }, which);

    assert.deepEqual(result, {
      ack: "ok",
      transport: which === "WebSocket" ? "websocket" : "polling",
      fetch: which === "Fetch",
      xhr: which === "XHR",
    });
    assert.deepEqual(errors, []);
  });
}
