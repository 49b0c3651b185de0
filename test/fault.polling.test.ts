// Proves that HTTP long-polling recovers by itself from the failures a proxy or an overloaded server causes:
// a poll (GET) answered with HTTP 500, a poll that is never answered (the heartbeat catches it), a POST
// answered with HTTP 500. Each time the client reconnects on its own, and emits made with `retries` around
// the failure all reach the server, in order of first arrival, each acknowledged once.

import { test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../src/index";
import { startChildServer } from "./helpers/child-server";
import { startHttpProxy, type HttpFault } from "./helpers/proxy";
import { once, waitFor } from "./helpers/wait";

const PING_INTERVAL = 300;
const PING_TIMEOUT = 300;
const EMITS = 10;

const cases: Array<{ method: "GET" | "POST"; fault: HttpFault; reason: string }> = [
  { method: "GET", fault: "500", reason: "transport error" },
  { method: "GET", fault: "hang", reason: "ping timeout" },
  { method: "POST", fault: "500", reason: "transport error" },
];

for (const { method, fault, reason } of cases) {
  test(`polling: a ${method} answered with ${fault === "500" ? "HTTP 500" : "nothing"} -> "${reason}", reconnects, retried emits arrive`, { timeout: 30_000 }, async (t) => {
    const server = await startChildServer(t, { pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, transports: ["polling"] });
    const proxy = await startHttpProxy(t, server.port);
    const socket: Socket = io(proxy.url, {
      forceNew: true,
      transports: ["polling"],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      retries: 5,
      ackTimeout: 5_000,
    });
    t.after(() => socket.disconnect());
    const disconnects: string[] = [];
    let connects = 0;
    socket.on("disconnect", (why) => disconnects.push(why));
    socket.on("connect", () => connects++);
    await once(socket, "connect");

    proxy.failNext(method, fault);
    const outcomes = new Map<number, { err: unknown; reply: unknown; calls: number }>();
    for (let i = 0; i < EMITS; i++) {
      socket.emit("record", i, (err: unknown, reply: unknown) => {
        const seen = outcomes.get(i);
        if (seen) seen.calls++;
        else outcomes.set(i, { err, reply, calls: 1 });
      });
    }
    await proxy.applied();
    await waitFor(() => disconnects.length === 1, { what: "the disconnection the fault causes" });
    assert.equal(disconnects[0], reason);
    await waitFor(() => connects === 2, { what: "the reconnection" });
    await waitFor(() => outcomes.size === EMITS, { timeoutMs: 15_000, what: "every acknowledgement" });

    assert.deepEqual(
      [...outcomes].filter(([i, o]) => o.err !== null || o.reply !== i || o.calls !== 1),
      [],
      "every acknowledgement succeeded once",
    );
    const received = server.records();
    const firsts = received.filter((value, index) => received.indexOf(value) === index);
    assert.deepEqual(firsts, Array.from({ length: EMITS }, (_, i) => i));
    assert.equal(disconnects.length, 1, "one failure, one disconnection");
    t.diagnostic(`${received.length - EMITS} duplicate(s); requests: ${proxy.requests.filter((r) => r.includes("->")).join(" | ")}`);
  });
}
