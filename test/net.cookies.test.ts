// Cookies in Node with `withCredentials: true`: a server that sets cookies in the Engine.IO handshake (the
// engine.io `cookie` option, plus a load-balancer-style affinity cookie from a header hook) gets them back on
// every later polling request and on the WebSocket upgrade request; without withCredentials none is sent.

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test, type TestContext } from "node:test";
import { io as siolinkIo, type Socket as SiolinkSocket } from "../src/index";
import { clientTest, track, type ClientLib, type ClientOptions } from "./helpers/clients";
import { ackAll, connected } from "./helpers/interop/scenarios";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

interface Seen {
  kind: "request" | "upgrade";
  sid: string | null;
  cookie: string | undefined;
}

/** A 4.8 server that sets `io=<sid>` (engine.io's cookie option) and `affinity=node-7`, recording every request. */
async function cookieServer(t: TestContext) {
  const server = await startServer(t, { cookie: { name: "io", path: "/", httpOnly: true, sameSite: "lax" } });
  const seen: Seen[] = [];
  const record = (kind: Seen["kind"]) => (req: IncomingMessage) => {
    const sid = new URL(req.url ?? "/", "http://x").searchParams.get("sid");
    seen.push({ kind, sid, cookie: req.headers.cookie });
  };
  server.http.on("request", record("request"));
  server.http.on("upgrade", record("upgrade"));
  server.io.engine.on("initial_headers", (headers: Record<string, string | string[]>) => {
    const existing = headers["Set-Cookie"] ?? [];
    headers["Set-Cookie"] = [...(Array.isArray(existing) ? existing : [existing]), "affinity=node-7; Path=/"];
  });
  server.io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
  });
  return { server, seen };
}

/** The cookie names in a Cookie header. */
function cookieNames(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(/;\s*/)) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

async function connectAndTalk(t: TestContext, lib: ClientLib, url: string, options: ClientOptions) {
  const socket = track(t, lib.io(url, { reconnection: false, forceNew: true, ...options }));
  await connected(socket);
  if ((options.transports as string[] | undefined)?.includes("websocket") && socket.io.engine.transport.name !== "websocket") {
    await once(socket.io.engine, "upgrade");
  }
  // Several round trips: over polling each one is a POST and a GET that must carry the cookies.
  for (let i = 0; i < 3; i++) assert.deepEqual(await ackAll(socket, "echo", i), [i]);
  return socket;
}

clientTest("withCredentials: handshake cookies come back on every later polling request", async (t, lib) => {
  const { server, seen } = await cookieServer(t);
  const socket = await connectAndTalk(t, lib, server.url, { transports: ["polling"], withCredentials: true });
  const sid = socket.io.engine.id;
  const later = seen.filter((entry) => entry.sid === sid);
  assert.ok(later.length >= 6, `expected the session's polling requests, saw ${later.length}`);
  for (const entry of later) {
    const cookies = cookieNames(entry.cookie);
    assert.equal(cookies.get("io"), sid, `request without io=<sid>: ${JSON.stringify(entry)}`);
    assert.equal(cookies.get("affinity"), "node-7", `request without affinity: ${JSON.stringify(entry)}`);
  }
});

clientTest("withCredentials: the WebSocket upgrade request carries the handshake cookies", async (t, lib) => {
  const { server, seen } = await cookieServer(t);
  const socket = await connectAndTalk(t, lib, server.url, {
    transports: ["polling", "websocket"],
    withCredentials: true,
  });
  assert.equal(socket.io.engine.transport.name, "websocket");
  const upgrade = seen.find((entry) => entry.kind === "upgrade" && entry.sid === socket.io.engine.id);
  assert.ok(upgrade, "no upgrade request seen");
  const cookies = cookieNames(upgrade.cookie);
  assert.equal(cookies.get("io"), socket.io.engine.id);
  assert.equal(cookies.get("affinity"), "node-7");
});

clientTest("without withCredentials no cookie is sent", async (t, lib) => {
  const { server, seen } = await cookieServer(t);
  const socket = await connectAndTalk(t, lib, server.url, { transports: ["polling", "websocket"] });
  const sessionRequests = seen.filter((entry) => entry.sid === socket.io.engine.id);
  assert.ok(sessionRequests.length > 0);
  for (const entry of sessionRequests) assert.equal(entry.cookie, undefined, JSON.stringify(entry));
});

/**
 * A server behind an imaginary sticky load balancer: the first handshake without an `lb` cookie gets
 * `lb=backend-<n>`; every handshake records the Cookie header it came with.
 */
async function stickyServer(t: TestContext) {
  const server = await startServer(t);
  const handshakes: Array<string | undefined> = [];
  let issued = 0;
  server.io.engine.on("initial_headers", (headers: Record<string, string | string[]>, req: IncomingMessage) => {
    handshakes.push(req.headers.cookie);
    if (!cookieNames(req.headers.cookie).has("lb")) headers["Set-Cookie"] = [`lb=backend-${++issued}; Path=/; HttpOnly`];
  });
  server.io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (value: unknown) => void) => ack(value));
  });
  return { server, handshakes, issued: () => issued };
}

for (const transports of [["polling"], ["websocket"]] as const) {
  clientTest(
    `withCredentials, ${transports[0]}: the affinity cookie survives a reconnect`,
    async (t, lib) => {
      const { server, handshakes, issued } = await stickyServer(t);
      const first = once<[{ conn: { close(): void } }]>(server.io, "connection");
      const socket = track(
        t,
        lib.io(server.url, {
          transports: [...transports],
          withCredentials: true,
          forceNew: true,
          reconnectionDelay: 20,
          reconnectionDelayMax: 50,
          randomizationFactor: 0,
        }),
      );
      await connected(socket);
      const [serverSocket] = await first;
      assert.deepEqual(handshakes, [undefined]);

      // The server drops the connection (not a Socket.IO disconnect), so the Manager reconnects on its own.
      const reconnected = once(socket.io, "reconnect");
      serverSocket.conn.close();
      await reconnected;
      await connected(socket);

      assert.equal(handshakes.length, 2, `handshakes: ${JSON.stringify(handshakes)}`);
      assert.equal(cookieNames(handshakes[1]).get("lb"), "backend-1", `second handshake: ${handshakes[1]}`);
      assert.equal(issued(), 1, "the balancer had to issue a second affinity cookie");
      assert.deepEqual(await ackAll(socket, "echo", "after"), ["after"]);
    },
    {
      skipFor: {
        "socket.io-client": "its cookie jar belongs to each Engine.IO session, so cookies are lost on reconnect",
      },
    },
  );
}

clientTest("withCredentials: cookies set by a refused WebSocket upgrade go with the polling fallback", async (t, lib) => {
  const server = await startServer(t);
  // Every upgrade is refused, as a balancer with a draining backend might, but with an affinity cookie.
  server.http.removeAllListeners("upgrade");
  let refused = 0;
  server.http.on("upgrade", (_req: IncomingMessage, socket: import("node:net").Socket) => {
    refused++;
    socket.end("HTTP/1.1 503 Service Unavailable\r\nSet-Cookie: lb=from-refusal; Path=/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  const polls: Array<string | undefined> = [];
  server.http.on("request", (req: IncomingMessage) => polls.push(req.headers.cookie));

  const socket = track(t, lib.io(server.url, { withCredentials: true, reconnection: false, forceNew: true }));
  await connected(socket);
  assert.equal(socket.io.engine.transport.name, "polling");
  assert.ok(refused >= 1, "the WebSocket was never tried");
  assert.ok(polls.length > 0);
  for (const cookie of polls) assert.equal(cookieNames(cookie).get("lb"), "from-refusal", `poll cookie: ${cookie}`);
}, { skipFor: { "socket.io-client": "it does not read Set-Cookie from a refused upgrade response" } });

// siolink only from here: the `cookieJar` option (a jar of one's own) has no counterpart in socket.io-client.

/** A jar that records what it was asked, so the test sees the Manager's single jar at work. */
function recordingJar(fail?: "store" | "cookieHeader") {
  const stored: string[] = [];
  const jar = {
    asked: 0,
    stored,
    cookieHeader(): string | undefined {
      jar.asked++;
      if (fail === "cookieHeader") throw new Error("jar broken");
      return "mine=1";
    },
    store(_url: string, lines: readonly string[]): void {
      if (fail === "store") throw new Error("jar broken");
      stored.push(...lines);
    },
  };
  return jar;
}

function trackSiolink(t: TestContext, socket: SiolinkSocket): SiolinkSocket {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

test("siolink: a jar of one's own (cookieJar) is used for both transports, and only with withCredentials", async (t) => {
  const { server, seen } = await cookieServer(t);
  const jar = recordingJar();
  const socket = trackSiolink(
    t,
    siolinkIo(server.url, {
      withCredentials: true,
      // The WebSocket opts out: its upgrade request must carry nothing.
      transportOptions: { websocket: { withCredentials: false } },
      cookieJar: jar,
      transports: ["polling", "websocket"],
      reconnection: false,
      forceNew: true,
    }),
  );
  await connected(socket as unknown as Parameters<typeof connected>[0]);
  if (socket.io.engine.transport.name !== "websocket") await once(socket.io.engine, "upgrade");
  const sid = socket.io.engine.id;
  assert.ok(jar.stored.some((line) => line.startsWith("affinity=node-7")), JSON.stringify(jar.stored));
  const polls = seen.filter((entry) => entry.kind === "request" && entry.sid === sid);
  assert.ok(polls.length > 0);
  for (const entry of polls) assert.equal(entry.cookie, "mine=1");
  const upgrade = seen.find((entry) => entry.kind === "upgrade" && entry.sid === sid);
  assert.ok(upgrade);
  assert.equal(upgrade.cookie, undefined, "transportOptions.websocket.withCredentials: false");
});

for (const fail of ["store", "cookieHeader"] as const) {
  test(`siolink: a cookieJar whose ${fail}() throws gives connect_error, not a crash`, async (t) => {
    const { server } = await cookieServer(t);
    const socket = trackSiolink(
      t,
      siolinkIo(server.url, { withCredentials: true, cookieJar: recordingJar(fail), reconnection: false, forceNew: true }),
    );
    const [error] = await once<[Error]>(socket, "connect_error");
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
    assert.ok(messages.some((m) => /jar broken|cookieJar/.test(m)), messages.join(" <- "));
    assert.equal(socket.connected, false);
  });
}
