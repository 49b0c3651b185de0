// Proves the script-tag bundle (dist/siolink.min.js, global io) works in real Chromium against a real server:
// acks, broadcasts, default origin, polling only, WebSocket refused → polling, and binary round trips.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Duplex } from "node:stream";
import type { Socket as ServerSocket } from "socket.io";
import { once } from "../helpers/wait";
import {
  bounded,
  client,
  clientPageUrl,
  connectPageSocket,
  echoAndShout,
  openPage,
  startStack,
  type PageSocket,
  type PageWindow,
  useChromium,
} from "./harness";

const browser = useChromium();

test("a page loading the bundle by <script> connects with the global io, gets acks and receives broadcasts", bounded, async (t) => {
  const server = await startStack(t);
  echoAndShout(server);
  const { page, errors } = await openPage(browser(), clientPageUrl(server));

  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    // No URL: the page origin, which is also the server.
    const socket = w.io({ reconnection: false });
    const id = await w.connected(socket);
    const ack = await socket.timeout(5000).emitWithAck("echo", { text: "héllo ✓", list: [1, null, true] });
    const broadcast = w.nextEvent(socket, "broadcast");
    socket.emit("shout", "hi");
    const [message] = await broadcast;
    const api = {
      manager: typeof w.io.Manager,
      socket: typeof w.io.Socket,
      protocol: w.io.protocol,
    };
    socket.disconnect();
    return { id, ack, message, api };
  });

  assert.deepEqual(result.ack, { echoed: { text: "héllo ✓", list: [1, null, true] } });
  assert.equal(result.message, `${result.id} says hi`);
  // socket.io-client's global lacks io.protocol (only its ESM export has it); siolink attaches it.
  const protocol = client === "siolink" ? 5 : undefined;
  assert.deepEqual(result.api, { manager: "function", socket: "function", protocol });
  assert.deepEqual(errors, []);
});

test("two sockets in one page share the connection and both receive a server broadcast", bounded, async (t) => {
  const server = await startStack(t);
  const joined: ServerSocket[] = [];
  server.io.on("connection", (socket) => joined.push(socket));
  server.io.of("/admin").on("connection", (socket) => joined.push(socket));
  const { page, errors } = await openPage(browser(), clientPageUrl(server));

  await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const main = w.io({ reconnection: false });
    const admin = w.io("/admin", { reconnection: false });
    await Promise.all([w.connected(main), w.connected(admin)]);
    w.received = [];
    for (const socket of [main, admin]) {
      socket.on("news", (text: string) => (w.received as string[]).push(text));
    }
    w.main = main;
    w.admin = admin;
  });
  assert.equal(joined.length, 2);
  // One Engine.IO session carries both namespaces (the Manager multiplexes them).
  assert.equal(joined[0]!.conn, joined[1]!.conn);

  server.io.emit("news", "to main");
  server.io.of("/admin").emit("news", "to admin");
  const received = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const deadline = Date.now() + 10_000;
    while ((w.received as string[]).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return (w.received as string[]).slice().sort();
  });
  assert.deepEqual(received, ["to admin", "to main"]);
  assert.deepEqual(errors, []);
});

for (const transports of [["polling"], ["websocket"]] as const) {
  test(`transports: ${JSON.stringify(transports)} connects and stays on ${transports[0]}`, bounded, async (t) => {
    const server = await startStack(t);
    const connection = once<[ServerSocket]>(server.io, "connection");
    server.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    const { page, errors } = await openPage(browser(), clientPageUrl(server));

    const result = await page.evaluate(async (transports) => {
      const w = window as unknown as PageWindow;
      await w.ready;
      const socket = w.io({ transports, reconnection: false });
      await w.connected(socket);
      const acks: unknown[] = [];
      for (let i = 0; i < 5; i++) acks.push(await socket.timeout(5000).emitWithAck("echo", i));
      const transport = socket.io.engine?.transport.name;
      socket.disconnect();
      return { acks, transport };
    }, [...transports]);

    const [serverSocket] = await connection;
    assert.deepEqual(result.acks, [0, 1, 2, 3, 4]);
    assert.equal(result.transport, transports[0]);
    assert.equal(serverSocket.conn.transport.name, transports[0]);
    assert.deepEqual(errors, []);
  });
}

test("polling upgrades to websocket when both are allowed and the server offers the upgrade", bounded, async (t) => {
  const server = await startStack(t);
  const connection = once<[ServerSocket]>(server.io, "connection");
  const { page } = await openPage(browser(), clientPageUrl(server));

  await connectPageSocket(page, { transports: ["polling", "websocket"], reconnection: false });
  const [serverSocket] = await connection;
  if (serverSocket.conn.transport.name !== "websocket") await once(serverSocket.conn, "upgrade");
  assert.equal(serverSocket.conn.transport.name, "websocket");
  const clientTransport = await page.evaluate(() => {
    const socket = (window as unknown as PageWindow).socket as PageSocket;
    return socket.io.engine?.transport.name;
  });
  assert.equal(clientTransport, "websocket");
});

test("WebSocket first falls back to polling when the server refuses WebSocket", bounded, async (t) => {
  const server = await startStack(t, { transports: ["polling"] });
  let upgradeRequests = 0;
  // engine.io listens for upgrades only when WebSocket is enabled; answer as it would, so the attempt fails fast.
  server.http.on("upgrade", (_req: unknown, socket: Duplex) => {
    upgradeRequests++;
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  const connection = once<[ServerSocket]>(server.io, "connection");
  server.io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  });
  const { page } = await openPage(browser(), clientPageUrl(server));

  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    // tryAllTransports is socket.io-client's opt-in for the same fallback; siolink falls back by default.
    const socket = w.io({ transports: ["websocket", "polling"], tryAllTransports: true, reconnection: false });
    await w.connected(socket);
    const ack = await socket.timeout(5000).emitWithAck("echo", "over polling");
    const transport = socket.io.engine?.transport.name;
    socket.disconnect();
    return { ack, transport };
  });

  const [serverSocket] = await connection;
  assert.ok(upgradeRequests >= 1, "the client never tried WebSocket first");
  assert.equal(result.ack, "over polling");
  assert.equal(result.transport, "polling");
  assert.equal(serverSocket.conn.transport.name, "polling");
});

for (const transport of ["websocket", "polling"] as const) {
  for (const binaryType of ["arraybuffer", "blob"] as const) {
    test(`binary round trip over ${transport} with binaryType "${binaryType}"`, bounded, async (t) => {
      const server = await startStack(t);
      const received: Array<Record<string, Buffer>> = [];
      server.io.on("connection", (socket) => {
        socket.on("bytes", (payload: Record<string, Buffer>, ack: (v: unknown) => void) => {
          received.push(payload);
          ack(payload);
        });
        socket.on("gimme", (ack: (v: unknown) => void) => ack({ fromServer: Buffer.from([0, 1, 2, 253, 254, 255]) }));
      });
      const { page, errors } = await openPage(browser(), clientPageUrl(server));

      const result = await page.evaluate(
        async ({ transport, binaryType }) => {
          const w = window as unknown as PageWindow;
          await w.ready;
          const socket = w.io({ transports: [transport], binaryType, reconnection: false });
          // socket.io-client has no binaryType option; its engine property is the documented knob.
          if (socket.io.engine) socket.io.engine.binaryType = binaryType;
          await w.connected(socket);

          const sent = {
            buffer: new Uint8Array([1, 2, 3, 255]).buffer,
            view: new Uint8Array([9, 8, 7]),
            blob: new Blob([new Uint8Array([4, 5, 6])]),
            empty: new ArrayBuffer(0),
          };
          const echoed = await socket.timeout(5000).emitWithAck("bytes", sent);
          const fromServer = (await socket.timeout(5000).emitWithAck("gimme")).fromServer;
          const out: Record<string, unknown> = { fromServer: await w.describeBinary(fromServer) };
          for (const key of Object.keys(sent)) out[key] = await w.describeBinary(echoed[key]);
          socket.disconnect();
          return out;
        },
        { transport, binaryType },
      );

      const kind = binaryType === "blob" ? "Blob" : "ArrayBuffer";
      assert.deepEqual(result, {
        fromServer: { kind, bytes: [0, 1, 2, 253, 254, 255] },
        buffer: { kind, bytes: [1, 2, 3, 255] },
        view: { kind, bytes: [9, 8, 7] },
        blob: { kind, bytes: [4, 5, 6] },
        empty: { kind, bytes: [] },
      });
      assert.equal(received.length, 1);
      assert.deepEqual(
        Object.fromEntries(Object.entries(received[0]!).map(([k, v]) => [k, [...v]])),
        { buffer: [1, 2, 3, 255], view: [9, 8, 7], blob: [4, 5, 6], empty: [] },
      );
      assert.deepEqual(errors, []);
    });
  }
}

for (const transport of ["polling", "websocket"] as const) {
  const skip = client === "siolink" ? false : "socket.io-client has no maxReceiveSize";
  test(`over ${transport}, a message bigger than maxReceiveSize ends the session with "transport error"`, { ...bounded, skip }, async (t) => {
    const server = await startStack(t);
    server.io.on("connection", (socket) => {
      socket.on("small", (ack: (v: unknown) => void) => ack("fits"));
      socket.on("big", () => socket.emit("huge", "x".repeat(50_000)));
    });
    const { page } = await openPage(browser(), clientPageUrl(server));

    const result = await page.evaluate(async (transport) => {
      const w = window as unknown as PageWindow;
      await w.ready;
      const socket = w.io({ transports: [transport], maxReceiveSize: 10_000, reconnection: false });
      await w.connected(socket);
      const small = await socket.timeout(5000).emitWithAck("small");
      let huge = false;
      socket.on("huge", () => (huge = true));
      const disconnected = w.nextEvent(socket, "disconnect");
      socket.emit("big");
      const [reason] = await disconnected;
      return { small, reason: reason as string, huge };
    }, transport);

    assert.deepEqual(result, { small: "fits", reason: "transport error", huge: false });
  });
}
