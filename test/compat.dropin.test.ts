// Drop-in behaviours of issue #12, each against a real socket.io server (or a hostile one for the cases a real
// server cannot produce): a Manager without URL, a malformed URL, an emit after frozen timers, an emit from a
// connect listener whose connection ends in the same read, and a refused WebSocket upgrade. Where the
// behaviour is socket.io-client's, the same scenario runs against it too (clientTest).

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { clientTest, connected, track, type ClientSocket } from "./helpers/clients";
import { startHostileServer, type HostileConnection } from "./helpers/hostile-server";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, SioError } from "../src/index";
import { defaultUrl, parseUrl } from "../src/url";

const fastRetry = { reconnectionDelay: 10, reconnectionDelayMax: 20 } as const;

// ---- 1. A Manager without URL --------------------------------------------------------------------------------

/** The server a Manager given no URL connects to (what defaultUrl() gives, as parseUrl() reads it). */
const address = (opts: Parameters<typeof defaultUrl>[0], page?: string): string => parseUrl(defaultUrl(opts, page), page).origin;

test("no URL: the address options, the page, else localhost on port 80 (443 when secure), as socket.io-client", () => {
  assert.equal(address({}), "http://localhost:80");
  assert.equal(address({ secure: true }), "https://localhost:443");
  assert.equal(address({ hostname: "127.0.0.1", port: 3000 }), "http://127.0.0.1:3000");
  assert.equal(address({ hostname: "::1", port: "3000" }), "http://[::1]:3000");
  // In a browser the page fills in what the options leave out; its port only goes with its host.
  assert.equal(address({}, "https://app.example:8443"), "https://app.example:8443");
  assert.equal(address({ hostname: "api.example" }, "https://app.example:8443"), "https://api.example:443");
  assert.equal(address({ secure: false }, "https://app.example"), "http://app.example:80");
});

clientTest("new Manager(opts) without URL connects to its hostname/port options", async (t, lib) => {
  const server = await startServer(t);
  const manager = new lib.Manager({ hostname: "127.0.0.1", port: String(server.port), ...fastRetry });
  const socket = track(t, manager.socket("/"));
  const serverSide = once(server.io, "connection");
  await Promise.all([connected(socket), serverSide]);
});

clientTest("new Manager(opts) without a hostname connects to localhost", async (t, lib) => {
  const server = await startServer(t);
  const socket = track(t, new lib.Manager({ port: String(server.port), ...fastRetry }).socket("/"));
  await connected(socket);
});

test("siolink's io() without URL in Node reads the same options (socket.io-client's io() cannot: it has no page)", async (t) => {
  const server = await startServer(t);
  const socket = io({ hostname: "127.0.0.1", port: server.port, forceNew: true });
  t.after(() => socket.disconnect());
  await once(socket, "connect");
  assert.equal(socket.io.opts.port, server.port);
});

// ---- 2. A malformed URL -------------------------------------------------------------------------------------

for (const url of ["http://[bad", "http://localhost:99999"]) {
  clientTest(`io(${JSON.stringify(url)}) does not throw: the failure comes through connect_error`, async (t, lib, name) => {
    const socket = track(t, lib.io(url, { forceNew: true, reconnection: false }));
    // The listener is added after io() returned, and still hears it.
    const [error] = await once<[Error]>(socket, "connect_error");
    assert.ok(error instanceof Error);
    if (name === "siolink") {
      assert.ok(error instanceof SioError);
      assert.equal(error.code, "ERR_INVALID_ARG");
      assert.ok(error.message.includes(url), error.message);
    }
  });
}

// ---- 4. Frozen timers ---------------------------------------------------------------------------------------

clientTest("an emit after frozen timers (heartbeat deadline passed) is buffered and delivered after the reconnection", async (t, lib) => {
  const server = await startServer(t, { pingInterval: 500, pingTimeout: 500 });
  const received: Array<[string, unknown]> = [];
  server.io.on("connection", (socket) => socket.on("msg", (value: unknown) => received.push([socket.id, value])));
  const client = track(t, lib.io(server.url, { ...fastRetry, transports: ["websocket"] }));
  await connected(client);
  const firstId = client.id;

  // A background tab or a sleeping laptop: the clock moved on, the heartbeat timer never fired.
  const realNow = Date.now;
  t.mock.method(Date, "now", () => realNow() + 60_000);
  const gone = once<[string]>(client, "disconnect");
  client.emit("msg", "after the freeze");
  assert.equal(client.sendBuffer.length, 1, "kept in the buffer, not written into the dead connection");
  const [reason] = await gone;
  t.mock.restoreAll();
  assert.equal(reason, "ping timeout");

  await connected(client);
  await waitFor(() => received.length > 0, { what: "the buffered emit" });
  assert.deepEqual(received, [[client.id, "after the freeze"]]);
  assert.notEqual(client.id, firstId, "delivered on the new connection");
});

// ---- 5. An emit from a connect listener whose connection is gone in the same read -------------------------------

/** One unmasked WebSocket text frame (server to client), for payloads under 126 bytes. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

const cases: Array<{ transport: "polling" | "websocket"; what: string; answer: (conn: HostileConnection) => void }> = [
  {
    transport: "polling",
    what: "the CONNECT reply and the server's close packet in one polling body",
    answer: (conn) => conn.sendBody(`40${JSON.stringify({ sid: "gone" })}\x1e1`),
  },
  {
    transport: "websocket",
    what: "the CONNECT reply and an undecodable packet in one TCP read",
    answer: (conn) => conn.writeRaw(Buffer.concat([textFrame(`40${JSON.stringify({ sid: "gone" })}`), textFrame("4Z")])),
  },
];

for (const { transport, what, answer } of cases) {
  test(`${transport}: an emit made by a connect listener survives ${what}`, async (t) => {
    const server = await startHostileServer(t, {
      // The first connection answers the namespace CONNECT by hand (then dies); the next ones behave.
      autoConnect: (index) => index > 0,
      script: async (conn) => {
        if (conn.index > 0) return;
        await conn.waitForFrame((frame) => frame.startsWith("40"), "the namespace CONNECT");
        answer(conn);
      },
    });
    const client = io(server.url, { ...fastRetry, transports: [transport], forceNew: true });
    t.after(() => client.disconnect());
    let connects = 0;
    client.on("connect", () => {
      if (++connects === 1) client.emit("hello", "from the first connect");
    });
    const second = await server.waitForConnection(1);
    await second.waitForFrame((frame) => frame.startsWith("42"), "the emit");
    assert.deepEqual(second.received.filter((frame) => frame.startsWith("42")), ['42["hello","from the first connect"]']);
    assert.deepEqual(server.connections[0]!.received.filter((frame) => frame.startsWith("42")), [], "never written into the dead connection");
    assert.equal(connects, 2);
  });
}

test("emits of a connect listener still go out in order, after what was buffered before the connection", async (t) => {
  const server = await startServer(t);
  const received: unknown[] = [];
  server.io.on("connection", (socket) => socket.onAny((_event: string, value: unknown) => received.push(value)));
  const client = track(t, io(server.url, { autoConnect: false, forceNew: true }) as unknown as ClientSocket);
  client.emit("e", 1);
  client.on("connect", () => {
    client.emit("e", 2);
    client.emit("e", 3);
  });
  client.connect();
  await connected(client);
  client.emit("e", 4);
  await waitFor(() => received.length === 4, { what: "four emits" });
  assert.deepEqual(received, [1, 2, 3, 4]);
});

// ---- 6. A refused WebSocket upgrade ---------------------------------------------------------------------------

/**
 * A plain HTTP server that refuses every WebSocket upgrade with a 404 and keeps the TCP connection open (so
 * a client waiting for it to drop would wait forever), and answers every HTTP request with a 404.
 */
async function refusingServer(t: TestContext): Promise<{ url: string; upgrades: string[]; requests: string[] }> {
  const upgrades: string[] = [];
  const requests: string[] = [];
  const sockets = new Set<NetSocket>();
  const http = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
  });
  http.on("connection", (socket: NetSocket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  http.on("upgrade", (req: IncomingMessage, socket: NetSocket) => {
    upgrades.push(req.url ?? "");
    socket.on("error", () => {});
    socket.write("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found");
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, upgrades, requests };
}

test("a refused WebSocket upgrade (HTTP 404) moves on to polling at once, then reports the 404 through connect_error", async (t) => {
  const server = await refusingServer(t);
  // No fallback timer can be what moves it on: it would fire long after this test's own timeout.
  const client = io(server.url, { path: "/wrong", reconnection: false, forceNew: true, fallbackTimeout: 600_000 });
  t.after(() => client.disconnect());
  const [error] = await once<[SioError]>(client, "connect_error", { timeoutMs: 10_000 });
  assert.equal(error.code, "ERR_TRANSPORT");
  assert.equal(server.upgrades.length, 1, "one WebSocket attempt");
  assert.equal(server.requests.length, 1, "then one polling request");
  assert.match(server.requests[0]!, /^\/wrong\/\?EIO=4&transport=polling/);
});

test("a wrong path on a real socket.io server: polling reports the 404 once the server drops the upgrade", async (t) => {
  const server = await startServer(t);
  server.http.on("request", (req, res) => {
    if (!req.url?.startsWith("/socket.io/")) res.writeHead(404).end();
  });
  const client = io(server.url, { path: "/wrong", reconnection: false, forceNew: true, fallbackTimeout: 600_000 });
  t.after(() => client.disconnect());
  const [error] = await once<[SioError]>(client, "connect_error", { timeoutMs: 10_000 });
  assert.equal(error.code, "ERR_TRANSPORT");
  assert.match(error.message, /poll/);
});
