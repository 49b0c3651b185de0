// Drop-in proof, custom parser: socket.io-msgpack-parser on both sides carries events, binary, acks and
// namespaces, as with socket.io-client.

import assert from "node:assert/strict";
import * as msgpackParser from "socket.io-msgpack-parser";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { clientTest, connected, nextConnection, roundTrip, startPair, track } from "./helpers/clients";

const parser = msgpackParser;

for (const transports of [["websocket"], ["polling"]] as const) {
  clientTest(`msgpack parser over ${transports[0]}: events, binary and acks both ways`, async (t, lib) => {
    const { client, serverSocket } = await startPair(t, lib, {
      serverOpts: { parser },
      clientOpts: { parser, transports: [...transports] },
    });
    assert.equal(client.id, serverSocket.id);

    const up = once<unknown[]>(serverSocket, "up");
    client.emit("up", 1, "two", { three: [3.5, null, true] }, Buffer.from([1, 2]));
    const [n, s, obj, bin] = await up;
    assert.equal(n, 1);
    assert.equal(s, "two");
    assert.deepEqual(obj, { three: [3.5, null, true] });
    assert.deepEqual([...(bin as Uint8Array)], [1, 2]);

    const down = once<unknown[]>(client, "down");
    serverSocket.emit("down", { nested: { deep: "x" } }, Buffer.from("bytes"));
    const [nested, bytes] = await down;
    assert.deepEqual(nested, { nested: { deep: "x" } });
    assert.equal(Buffer.from(bytes as Uint8Array).toString(), "bytes");

    serverSocket.on("add", (a: number, b: number, ack: (sum: number) => void) => ack(a + b));
    assert.equal(await client.emitWithAck("add", 20, 22), 42);
    client.on("mul", (a: number, b: number, ack: (p: number) => void) => ack(a * b));
    assert.equal(await serverSocket.timeout(5000).emitWithAck("mul", 6, 7), 42);
    await assert.rejects(client.timeout(50).emitWithAck("nobody-acks"), Error);
    await roundTrip(client, serverSocket);
  });
}

clientTest("msgpack parser: namespaces, middleware refusal data and the default-transport upgrade", async (t, lib) => {
  const server = await startServer(t, { parser });
  server.io.of("/locked").use((_s, next) => next(Object.assign(new Error("locked"), { data: { code: 7 } })));
  server.io.of("/chat").on("connection", (s) => s.on("who", (ack: (v: string) => void) => ack("/chat")));
  const mainSide = nextConnection(server.io.of("/"));
  const main = track(t, lib.io(server.url, { parser }));
  const chat = track(t, lib.io(`${server.url}/chat`, { parser }));
  const locked = track(t, lib.io(`${server.url}/locked`, { parser }));
  assert.equal(main.io, chat.io);
  const [err] = await once<[Error & { data?: unknown }]>(locked, "connect_error");
  assert.equal(err.message, "locked");
  assert.deepEqual(err.data, { code: 7 });
  const [mainServer] = await Promise.all([mainSide, connected(main), connected(chat)]);
  assert.equal(await chat.emitWithAck("who"), "/chat");
  if (mainServer.conn.transport.name !== "websocket") await once(mainServer.conn, "upgrade");
  await roundTrip(main, mainServer);
});
