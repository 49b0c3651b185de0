// Proves the slim script-tag bundle (dist/siolink.websocket.min.js, global io) in real Chromium against a real
// server: connect, ack, server broadcast and binary over WebSocket with no polling request ever made; polling
// asked for is refused with the typed error; a server that refuses WebSocket gives connect_error, no fallback.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { bounded, echoAndShout, openPage, root, startStack, type PageWindow, useChromium } from "./harness";
import type { TestServer } from "../helpers/server";

const bundle = "/dist/siolink.websocket.min.js";

const browser = useChromium(() => {
  if (!existsSync(join(root, bundle))) {
    throw new Error(`${bundle.slice(1)} is missing: run \`npx rollup -c\` before the browser tests`);
  }
});

const pageUrl = (server: TestServer) => `${server.url}/pages/client.html?bundle=${encodeURIComponent(bundle)}`;

function countPolling(server: TestServer): () => number {
  let polls = 0;
  server.http.on("request", (req: IncomingMessage) => {
    if ((req.url ?? "").includes("transport=polling")) polls++;
  });
  return () => polls;
}

test("the slim bundle by <script>: global io connects over WebSocket, acks, receives broadcasts and binary", bounded, async (t) => {
  const server = await startStack(t);
  const polls = countPolling(server);
  echoAndShout(server);
  const { page, errors } = await openPage(browser(), pageUrl(server));

  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const socket = w.io({ reconnection: false });
    const id = await w.connected(socket);
    const transport = socket.io.engine?.transport.name;
    const ack = await socket.timeout(5000).emitWithAck("echo", { text: "héllo ✓", list: [1, null, true] });
    const binary = await socket.timeout(5000).emitWithAck("echo", new Uint8Array([0, 1, 254, 255]).buffer);
    const broadcast = w.nextEvent(socket, "broadcast");
    socket.emit("shout", "hi");
    const [message] = await broadcast;
    const api = {
      manager: typeof w.io.Manager,
      socket: typeof w.io.Socket,
      protocol: w.io.protocol,
      managerOfSocket: socket.io instanceof (w.io.Manager as new () => unknown),
    };
    socket.disconnect();
    return { id, transport, ack, bytes: await w.describeBinary(binary.echoed), message, api };
  });

  assert.equal(result.transport, "websocket");
  assert.deepEqual(result.ack, { echoed: { text: "héllo ✓", list: [1, null, true] } });
  assert.deepEqual(result.bytes, { kind: "ArrayBuffer", bytes: [0, 1, 254, 255] });
  assert.equal(result.message, `${result.id} says hi`);
  assert.deepEqual(result.api, { manager: "function", socket: "function", protocol: 5, managerOfSocket: true });
  assert.equal(polls(), 0, "the slim bundle made a polling request");
  assert.deepEqual(errors, []);
});

test("the slim bundle refuses polling with the typed error, and a refused WebSocket ends in connect_error", bounded, async (t) => {
  // This server speaks polling only: the slim client's WebSocket is refused and it has nothing to fall back to.
  const server = await startStack(t, { transports: ["polling"] });
  const polls = countPolling(server);
  const { page } = await openPage(browser(), pageUrl(server));

  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const refusals = [["polling"], ["polling", "websocket"]].map((transports) => {
      try {
        w.io({ transports, forceNew: true });
        return null;
      } catch (error) {
        const e = error as { code?: string; message?: string; name?: string };
        return { code: e.code, message: e.message, name: e.name };
      }
    });
    const socket = w.io({ reconnection: false, forceNew: true });
    const [error] = await w.nextEvent(socket, "connect_error");
    const connected = socket.connected;
    socket.disconnect();
    return { refusals, connectError: (error as Error).message.length > 0, connected };
  });

  const refusal = {
    code: "ERR_INVALID_ARG",
    // A production bundle: the message holds the values only (the full text is in docs/errors.md).
    message: "siolink/websocket polling",
    name: "SioError",
  };
  assert.deepEqual(result.refusals, [refusal, refusal]);
  assert.equal(result.connectError, true);
  assert.equal(result.connected, false);
  assert.equal(polls(), 0, "the slim bundle fell back to polling");
});
