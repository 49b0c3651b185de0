// Drop-in proof, the transport exports: socket.io-client's `WebSocket`, `Fetch`, `XHR`, `NodeXHR` and
// `NodeWebSocket` are exported by siolink and accepted in `transports`, alone or mixed with names, on both
// clients against a real server (Node; the browser's Fetch / XHR choice is in test/browser/esm.test.ts).

import assert from "node:assert/strict";
import { test } from "node:test";
import * as socketIoClient from "socket.io-client";
import * as siolink from "../src/index";
import * as siolinkWebSocket from "../src/websocket";
import { clientTest, connected, nextConnection, roundTrip, track, type ClientName } from "./helpers/clients";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

type TransportExport = "WebSocket" | "Fetch" | "XHR" | "NodeXHR" | "NodeWebSocket";
const transportExport = (name: ClientName, which: TransportExport): never =>
  (name === "siolink" ? siolink : socketIoClient)[which] as never;

/** Connects with `transports` and returns the transports the server saw, first and (after an upgrade) last. */
async function connectWith(t: Parameters<Parameters<typeof clientTest>[1]>[0], lib: Parameters<Parameters<typeof clientTest>[1]>[1], transports: unknown[]) {
  const server = await startServer(t);
  const first: string[] = [];
  server.io.engine.on("connection", (conn: { transport: { name: string } }) => first.push(conn.transport.name));
  const serverSide = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(server.url, { transports: transports as never }));
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  await roundTrip(client, serverSocket);
  return { first, serverSocket, client };
}

// socket.io-client's WebSocket is the runtime's global WebSocket (none in Node 20); siolink's uses `ws` in Node.
const noGlobalWebSocket = typeof globalThis.WebSocket !== "function" && "socket.io-client's WebSocket needs a global WebSocket";
for (const which of ["WebSocket", "NodeWebSocket"] as const) {
  clientTest(
    `transports: [${which}] connects over WebSocket only`,
    async (t, lib, name) => {
      const { first, serverSocket } = await connectWith(t, lib, [transportExport(name, which)]);
      assert.deepEqual(first, ["websocket"]);
      assert.equal(serverSocket.conn.transport.name, "websocket");
    },
    which === "WebSocket" && noGlobalWebSocket ? { skipFor: { "socket.io-client": noGlobalWebSocket } } : {},
  );
}

// XHR is the browser's XMLHttpRequest transport in socket.io-client (Node has none); siolink polls over
// node:http in Node whichever polling export is given.
for (const which of ["NodeXHR", "Fetch"] as const) {
  clientTest(`transports: [${which}] stays on HTTP long-polling`, async (t, lib, name) => {
    const { first, serverSocket } = await connectWith(t, lib, [transportExport(name, which)]);
    assert.deepEqual(first, ["polling"]);
    assert.equal(serverSocket.conn.transport.name, "polling");
  });
}

clientTest(
  "transports: [NodeXHR, NodeWebSocket] polls, then upgrades",
  async (t, lib, name) => {
    const { first, serverSocket } = await connectWith(t, lib, [transportExport(name, "NodeXHR"), transportExport(name, "NodeWebSocket")]);
    assert.deepEqual(first, ["polling"]);
    if (serverSocket.conn.transport.name !== "websocket") await once(serverSocket.conn, "upgrade");
  },
);

clientTest(
  'transports: [NodeXHR, "websocket"] (exports mixed with names) polls, then upgrades',
  async (t, lib, name) => {
    const { first, serverSocket } = await connectWith(t, lib, [transportExport(name, "NodeXHR"), "websocket"]);
    assert.deepEqual(first, ["polling"]);
    if (serverSocket.conn.transport.name !== "websocket") await once(serverSocket.conn, "upgrade");
  },
  { skipFor: { "socket.io-client": "socket.io-client takes names or classes, not both in one list" } },
);

test("siolink: the exports name their transport; XHR and Fetch also pick the browser's request API", () => {
  assert.deepEqual(
    [siolink.WebSocket, siolink.NodeWebSocket, siolink.NodeXHR, siolink.XHR, siolink.Fetch],
    [{ name: "websocket" }, { name: "websocket" }, { name: "polling" }, { name: "polling", request: "xhr" }, { name: "polling", request: "fetch" }],
  );
});

test("siolink: bad transports entries are a typed ERR_INVALID_ARG at io()", () => {
  const url = "http://127.0.0.1:1";
  for (const transports of [[{}], [{ name: "carrier-pigeon" }], [null], ["carrier-pigeon"]]) {
    assert.throws(() => siolink.io(url, { transports: transports as never, forceNew: true }), { code: "ERR_INVALID_ARG" }, JSON.stringify(transports));
  }
});

test("siolink/websocket: exports the same transport objects; WebSocket works, a polling export is ERR_INVALID_ARG", async (t) => {
  assert.equal(siolinkWebSocket.WebSocket, siolink.WebSocket);
  assert.equal(siolinkWebSocket.NodeWebSocket, siolink.NodeWebSocket);
  for (const polling of [siolinkWebSocket.XHR, siolinkWebSocket.Fetch, siolinkWebSocket.NodeXHR]) {
    assert.throws(() => siolinkWebSocket.io("http://127.0.0.1:1", { transports: [polling], forceNew: true }), {
      code: "ERR_INVALID_ARG",
      message: /siolink\/websocket has no polling transport/,
    });
  }
  const server = await startServer(t);
  const serverSide = nextConnection(server.io.of("/"));
  const client = siolinkWebSocket.io(server.url, { transports: [siolinkWebSocket.WebSocket], forceNew: true });
  t.after(() => client.disconnect());
  await Promise.all([serverSide, once(client, "connect")]);
  assert.equal(client.io.engine.transport.name, "websocket");
});
