// Browser behaviours of issue #12 in real Chromium, with the script-tag bundle: an emit made after the tab's
// timers were frozen past the heartbeat deadline waits for the reconnection, and a WebSocket upgrade refused
// with an HTTP error moves on to polling at once.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";
import { waitFor } from "../helpers/wait";
import { bounded, clientPageUrl, openPage, startStack, type PageSocket, type PageWindow, useChromium } from "./harness";

const browser = useChromium();

test("a background tab's frozen timers: an emit past the heartbeat deadline is buffered and delivered after the reconnection", bounded, async (t) => {
  const server = await startStack(t, { pingInterval: 1000, pingTimeout: 1000 });
  const received: Array<[string, unknown]> = [];
  server.io.on("connection", (socket) => socket.on("msg", (value: unknown) => received.push([socket.id, value])));
  const { page } = await openPage(browser(), clientPageUrl(server));

  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const socket = w.io({ transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 100 });
    w.socket = socket;
    await w.connected(socket);
    const firstId = socket.id;
    // The tab's timers did not run while the clock moved on a minute: the heartbeat timer never fired.
    const realNow = Date.now;
    Date.now = () => realNow() + 60_000;
    const gone = w.nextEvent(socket, "disconnect");
    socket.emit("msg", "after the freeze");
    const buffered = (socket as unknown as { sendBuffer: unknown[] }).sendBuffer.length;
    const [reason] = await gone;
    Date.now = realNow;
    await w.nextEvent(socket, "connect", 20_000);
    return { firstId, buffered, reason: reason as string, id: socket.id };
  });

  assert.equal(result.buffered, 1, "kept in the buffer, not written into the dead connection");
  assert.equal(result.reason, "ping timeout");
  await waitFor(() => received.length > 0, { what: "the buffered emit" });
  assert.deepEqual(received, [[result.id, "after the freeze"]]);
  assert.notEqual(result.id, result.firstId);
  await page.evaluate(() => ((window as unknown as PageWindow).socket as PageSocket).disconnect());
});

test("a WebSocket upgrade refused with HTTP 404 moves on to polling at once; its 404 reaches connect_error", bounded, async (t) => {
  const server = await startStack(t);
  const upgrades: string[] = [];
  const polls: string[] = [];
  const refused = new Set<NetSocket>();
  // The HTTP server no longer tracks an upgrade's socket: without this, closing it would wait for them forever.
  t.after(() => {
    for (const socket of refused) socket.destroy();
  });
  // A proxy-like answer to the upgrade: 404, and the TCP connection left open (nothing to wait for).
  server.http.on("upgrade", (req: IncomingMessage, socket: NetSocket) => {
    if (!req.url?.startsWith("/wrong/")) return;
    upgrades.push(req.url);
    refused.add(socket);
    socket.on("error", () => {});
    // Teardown safety only: this is past the test's own bound, so a client waiting for the drop still fails.
    socket.setTimeout(60_000, () => socket.destroy());
    socket.write("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found");
  });
  server.http.on("request", (req: IncomingMessage) => {
    if (req.url?.startsWith("/wrong/")) polls.push(req.url);
  });
  const { page } = await openPage(browser(), clientPageUrl(server));

  const error = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    // No fallback timer can be what moves it on: it would fire long after this test's bounds.
    const socket = w.io({ path: "/wrong", reconnection: false, fallbackTimeout: 600_000 });
    w.socket = socket;
    const [err] = await w.nextEvent(socket, "connect_error", 20_000);
    return { message: (err as Error).message, code: (err as { code?: string }).code };
  });

  assert.equal(error.code, "ERR_TRANSPORT");
  assert.equal(upgrades.length, 1, "one WebSocket attempt");
  assert.equal(polls.length, 1, "then one polling request, answered 404");
  await page.evaluate(() => ((window as unknown as PageWindow).socket as PageSocket).disconnect());
  for (const socket of refused) socket.destroy();
});
