// Bursts larger than the session's eager-flush threshold (256 queued packets) and the Node platform's
// corked batch writes arrive complete and in order, over every transport, with binary and acks mixed in.

import assert from "node:assert/strict";
import { test } from "node:test";
import { io } from "../src/index";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";

const COUNT = 5_000;

for (const [label, transports] of [
  ["websocket", ["websocket"]],
  ["polling", ["polling"]],
  ["polling then upgrade", ["polling", "websocket"]],
] as const) {
  test(`a burst of ${COUNT} emits with binary and acks arrives once, in order (${label})`, async (t) => {
    const server = await startServer(t);
    const seen: number[] = [];
    let binaries = 0;
    server.io.on("connection", (s) => {
      s.on("n", (i: number, payload?: unknown, ack?: (i: number) => void) => {
        seen.push(i);
        if (Buffer.isBuffer(payload)) {
          assert.equal(payload.readUInt32BE(0), i);
          binaries++;
        }
        if (typeof ack === "function") ack(i);
      });
    });
    const socket = io(server.url, { forceNew: true, transports: [...transports], reconnection: false });
    t.after(() => socket.disconnect());
    await once(socket, "connect");

    const acked: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      if (i % 50 === 0) {
        const buf = Buffer.alloc(16);
        buf.writeUInt32BE(i, 0);
        socket.emit("n", i, buf);
      } else if (i % 7 === 0) {
        socket.emit("n", i, null, (j: number) => acked.push(j));
      } else {
        socket.emit("n", i);
      }
    }
    await waitFor(() => seen.length >= COUNT, { timeoutMs: 60_000, what: `${COUNT} events at the server` });
    assert.deepEqual(seen, Array.from({ length: COUNT }, (_, i) => i));
    assert.equal(binaries, COUNT / 50);
    const expectedAcks = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 50 !== 0 && i % 7 === 0);
    await waitFor(() => acked.length >= expectedAcks.length, { timeoutMs: 30_000, what: "all acks" });
    assert.deepEqual(acked, expectedAcks);
  });
}
