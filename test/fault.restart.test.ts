// Proves that a server killed without a goodbye (SIGKILL) and started again on the same port is rejoined by
// the client on its own, and that every emit (plain and acknowledged) made while it was down reaches the new
// server exactly once, in order, with each acknowledgement called once with the server's reply.

import { test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../src/index";
import { startChildServer } from "./helpers/child-server";
import { once } from "./helpers/wait";

/** Emits made before the kill, while down, and after the reconnection. */
const BEFORE = 5;
const WHILE_DOWN = 40;

for (const transport of ["websocket", "polling"] as const) {
  test(`SIGKILL + restart on the same port (${transport}): reconnects alone, offline emits arrive once, in order`, { timeout: 60_000 }, async (t) => {
    const server = await startChildServer(t, { transports: [transport] });
    const socket: Socket = io(server.url, {
      forceNew: true,
      transports: [transport],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
    });
    t.after(() => socket.disconnect());

    let connects = 0;
    const disconnects: string[] = [];
    socket.on("connect", () => connects++);
    socket.on("disconnect", (reason) => disconnects.push(reason));
    await once(socket, "connect", { timeoutMs: 20_000 });

    const before: unknown[] = [];
    for (let i = 0; i < BEFORE; i++) before.push(await socket.timeout(10_000).emitWithAck("record", i));
    assert.deepEqual(before, [0, 1, 2, 3, 4]);

    const lost = once(socket, "disconnect", { timeoutMs: 20_000 });
    await server.kill();
    const [reason] = await lost;
    assert.ok(reason === "transport close" || reason === "transport error", `disconnect reason: ${String(reason)}`);
    assert.equal(socket.connected, false);
    assert.equal(socket.active, true, "the socket keeps trying to reconnect");

    // Half plain, half acknowledged: both kinds must be buffered and sent on the next connection.
    const acked = new Map<number, unknown[]>();
    for (let i = BEFORE; i < BEFORE + WHILE_DOWN; i++) {
      if (i % 2 === 0) socket.emit("record", i);
      else {
        socket.emit("record", i, (...reply: unknown[]) => {
          assert.ok(!acked.has(i), `acknowledgement of ${i} called twice`);
          acked.set(i, reply);
        });
      }
    }

    const back = once(socket, "connect", { timeoutMs: 30_000 });
    await server.restart();
    await back;

    const expected = Array.from({ length: WHILE_DOWN }, (_, k) => BEFORE + k);
    const last = BEFORE + WHILE_DOWN - 1;
    await server.waitFor((e) => e.t === "record" && e.value === last && e.gen === 1, `record ${last}`);
    // One more round trip after the last one: anything duplicated or late would have arrived before its reply.
    assert.equal(await socket.timeout(10_000).emitWithAck("echo", "fence"), "fence");
    const afterRestart = server.events.flatMap((e) => (e.t === "record" && e.gen === 1 ? [e.value] : []));
    assert.deepEqual(afterRestart, expected, "each offline emit reached the new server once, in order");
    assert.deepEqual(
      server.events.flatMap((e) => (e.t === "record" && e.gen === 0 ? [e.value] : [])),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      [...acked.entries()].sort(([a], [b]) => a - b),
      expected.filter((i) => i % 2 === 1).map((i) => [i, [i]]),
      "every acknowledgement called once, with the value the server echoed",
    );
    assert.equal(connects, 2);
    assert.equal(disconnects.length, 1);
    assert.equal(socket.sendBuffer.length, 0);
  });
}
