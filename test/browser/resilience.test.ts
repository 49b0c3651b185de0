// Proves the script-tag bundle survives what real pages meet: the server restarting (emits made while it was
// down arrive afterwards, in order) and the network going away (the `offline` event closes the session at once).

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { once, waitFor } from "../helpers/wait";
import { bounded, clientPageUrl, connectPageSocket, openPage, type PageSocket, type PageWindow, startStack, useChromium } from "./harness";

const browser = useChromium();

/** Short backoff so reconnecting does not dominate the run; randomization off keeps attempts regular. */
const fastReconnect = { reconnectionDelay: 50, reconnectionDelayMax: 250, randomizationFactor: 0 };

for (const transports of [["websocket"], ["polling"]] as const) {
  test(`over ${transports[0]}: after a server restart on the same port, emits made while offline arrive in order`, bounded, async (t) => {
    const first = await startStack(t);
    const received: unknown[] = [];
    first.io.on("connection", (socket) => socket.on("msg", (value: unknown) => received.push(value)));
    const { page } = await openPage(browser(), clientPageUrl(first));

    await page.evaluate(
      async ({ opts }) => {
        const w = window as unknown as PageWindow;
        await w.ready;
        const socket = w.io(opts);
        w.socket = socket;
        w.reasons = [];
        socket.on("disconnect", (reason: string) => (w.reasons as string[]).push(reason));
        await w.connected(socket);
        socket.emit("msg", "before");
      },
      { opts: { ...fastReconnect, transports: [...transports] } },
    );
    await waitFor(() => received.length === 1, { what: "the first message" });

    await first.close();
    await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const socket = w.socket as PageSocket;
      if (socket.connected) await w.nextEvent(socket, "disconnect");
      // The socket is down: these go to its send buffer.
      for (let i = 1; i <= 5; i++) socket.emit("msg", `offline ${i}`);
    });

    const second = await startStack(t, { port: first.port });
    second.io.on("connection", (socket) => socket.on("msg", (value: unknown) => received.push(value)));
    const reconnected = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const socket = w.socket as PageSocket;
      if (!socket.connected) await w.nextEvent(socket, "connect", 20_000);
      socket.emit("msg", "after");
      return { reasons: w.reasons as string[], connected: socket.connected };
    });

    await waitFor(() => received.length === 7, { what: "all seven messages", timeoutMs: 20_000 });
    assert.deepEqual(received, ["before", "offline 1", "offline 2", "offline 3", "offline 4", "offline 5", "after"]);
    assert.equal(reconnected.connected, true);
    // A closed WebSocket reads as "transport close"; a failed poll request as "transport error".
    assert.equal(reconnected.reasons.length, 1);
    assert.match(reconnected.reasons[0]!, /^transport (close|error)$/);
    await page.evaluate(() => ((window as unknown as PageWindow).socket as PageSocket).disconnect());
  });
}

for (const transports of [["websocket"], ["polling"]] as const) {
  test(`over ${transports[0]}: an offline event closes the session at once, long before the heartbeat could notice`, bounded, async (t) => {
    // A heartbeat this long cannot be what ends the session within the test's bounds.
    const server = await startStack(t, { pingInterval: 120_000, pingTimeout: 120_000 });
    const connection = once<[ServerSocket]>(server.io, "connection");
    const { page } = await openPage(browser(), clientPageUrl(server));

    await connectPageSocket(page, { ...fastReconnect, reconnection: false, transports: [...transports] });
    const [serverSocket] = await connection;
    const serverDisconnect = once<[string]>(serverSocket, "disconnect");

    // The network stays up: only the page's offline handler can close the connection.
    const reason = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const socket = w.socket as PageSocket;
      const disconnected = w.nextEvent(socket, "disconnect");
      window.dispatchEvent(new Event("offline"));
      const [why] = await disconnected;
      return why as string;
    });
    assert.equal(reason, "transport close");
    // The server saw the connection end too: the client closed it rather than just forgetting it.
    const [serverReason] = await serverDisconnect;
    assert.match(serverReason, /^transport (close|error)$/);
  });
}

test("going offline for real disconnects, and coming back online reconnects", bounded, async (t) => {
  const server = await startStack(t, { pingInterval: 120_000, pingTimeout: 120_000 });
  const connections: ServerSocket[] = [];
  server.io.on("connection", (socket) => {
    connections.push(socket);
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  });
  const { page, context } = await openPage(browser(), clientPageUrl(server));

  await connectPageSocket(page, fastReconnect, true);

  await context.setOffline(true);
  const reason = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const [why] = await (w.disconnected as Promise<unknown[]>);
    return why as string;
  });
  assert.equal(reason, "transport close");

  await context.setOffline(false);
  const ack = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const socket = w.socket as PageSocket;
    if (!socket.connected) await w.nextEvent(socket, "connect", 20_000);
    const value = await socket.timeout(5000).emitWithAck("echo", "back online");
    socket.disconnect();
    return value;
  });
  assert.equal(ack, "back online");
  assert.equal(connections.length, 2);
});
