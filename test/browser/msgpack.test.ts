// Proves the msgpack script-tag bundle (dist/siolink.msgpack.min.js, global io) works in real Chromium against a
// real socket.io server using socket.io-msgpack-parser: connect over WebSocket and over polling (and the upgrade),
// events with nested objects, numbers, strings, dates and binary both ways, acks both ways, a second namespace.
// With SIOLINK_TEST_CLIENT=socket.io-client the same page runs socket.io-client's socket.io.msgpack.min.js.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Socket as ServerSocket } from "socket.io";
import * as msgpackParser from "socket.io-msgpack-parser";
import { once } from "../helpers/wait";
import { bounded, client, openPage, root, startStack, type PageWindow, useChromium } from "./harness";

const bundle = client === "siolink" ? "/dist/siolink.msgpack.min.js" : "/node_modules/socket.io-client/dist/socket.io.msgpack.min.js";

const browser = useChromium(() => {
  if (client === "siolink" && !existsSync(join(root, "dist/siolink.msgpack.min.js"))) {
    throw new Error("dist/siolink.msgpack.min.js is missing: run `npx rollup -c` before the browser tests");
  }
});

/** Numbers of every MessagePack width, strings in several scripts, nesting. */
const nested = {
  text: "héllo ✓ 日本 😀",
  long: "x".repeat(300),
  numbers: [0, 1, -1, 127, 128, -33, 255, 256, -129, 65_535, 65_536, -32_769, 2 ** 31, 2 ** 32 + 5, -(2 ** 40), 1.5, -0.25, 6.02e-23, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
  flags: [true, false, null],
  deep: { a: { b: { c: [1, [2, [3, { d: "end" }]]] } } },
  empty: { list: [], object: {} },
};

for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]] as const) {
  test(`msgpack bundle over ${transports.join(" → ")}: events, binary and acks both ways, namespaces`, bounded, async (t) => {
    const server = await startStack(t, { parser: msgpackParser as never });
    const received: unknown[] = [];
    const connection = once<[ServerSocket]>(server.io, "connection");
    server.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => {
        received.push(value);
        ack(value);
      });
      socket.on("reverse", (bytes: Buffer, ack: (v: unknown) => void) => ack(Buffer.from(bytes).reverse()));
      socket.on("ask-me", async (ack: (v: unknown) => void) => {
        // The server asks the client and forwards what the client's ack said.
        ack(await socket.timeout(5000).emitWithAck("question", { x: 20, bin: Buffer.from([1, 2]) }));
      });
      socket.emit("welcome", { nested, bin: Buffer.from([0, 1, 254, 255]), when: new Date(1_700_000_000_000) });
    });
    server.io.of("/admin").on("connection", (socket) => {
      socket.on("whoami", (ack: (v: unknown) => void) =>
        ack({ nsp: socket.nsp.name, auth: socket.handshake.auth, transport: socket.conn.transport.name }),
      );
    });
    const { page, errors } = await openPage(browser(), `${server.url}/pages/client.html?bundle=${encodeURIComponent(bundle)}`);

    const result = await page.evaluate(
      async ({ transports, nested }) => {
        const w = window as unknown as PageWindow;
        await w.ready;
        const socket = w.io({ transports, reconnection: false });
        const welcome = w.nextEvent(socket, "welcome");
        socket.on("question", (value: { x: number; bin: ArrayBuffer }, ack: (v: unknown) => void) => {
          ack({ answer: value.x * 2 + 2, bin: value.bin, gotArrayBuffer: value.bin instanceof ArrayBuffer });
        });
        await w.connected(socket);
        const [pushed] = await welcome;

        const echoed = await socket.timeout(5000).emitWithAck("echo", {
          nested,
          bin: new Uint8Array([5, 6, 7]).buffer,
          view: new Uint8Array(new Uint8Array([9, 1, 2, 3, 9]).buffer, 1, 3),
          when: new Date(1_600_000_000_000),
        });
        const reversed = await socket.timeout(5000).emitWithAck("reverse", new Uint8Array([1, 2, 3]).buffer);
        const answered = await socket.timeout(5000).emitWithAck("ask-me");

        const admin = w.io("/admin", { transports, reconnection: false, auth: { token: "abc" } });
        await w.connected(admin);
        const who = await admin.timeout(5000).emitWithAck("whoami");

        const transport = socket.io.engine?.transport.name;
        admin.disconnect();
        socket.disconnect();
        return {
          pushed: { nested: pushed.nested, bin: await w.describeBinary(pushed.bin), when: pushed.when instanceof Date ? pushed.when.getTime() : pushed.when },
          echoed: {
            nested: echoed.nested,
            bin: await w.describeBinary(echoed.bin),
            view: await w.describeBinary(echoed.view),
            when: echoed.when instanceof Date ? echoed.when.getTime() : echoed.when,
          },
          reversed: await w.describeBinary(reversed),
          answered: { ...answered, bin: await w.describeBinary(answered.bin) },
          who,
          transport,
          protocol: w.io.protocol,
        };
      },
      { transports: [...transports], nested },
    );

    const [serverSocket] = await connection;
    const last = transports[transports.length - 1]!;
    assert.deepEqual(result.pushed, { nested, bin: { kind: "ArrayBuffer", bytes: [0, 1, 254, 255] }, when: 1_700_000_000_000 });
    assert.deepEqual(result.reversed, { kind: "ArrayBuffer", bytes: [3, 2, 1] });
    assert.deepEqual(result.answered, { answer: 42, gotArrayBuffer: true, bin: { kind: "ArrayBuffer", bytes: [1, 2] } });
    assert.deepEqual(result.who, { nsp: "/admin", auth: { token: "abc" }, transport: serverSocket.conn.transport.name });
    assert.equal(serverSocket.conn.transport.name, last);
    assert.equal(result.transport, last);
    if (client === "siolink") {
      assert.equal(result.protocol, 5);
      // The server got binary as Buffers (a typed array as its own bytes) and the Date as a Date.
      const [value] = received as Array<{ nested: unknown; bin: Buffer; view: Buffer; when: Date }>;
      assert.deepEqual(value!.nested, nested);
      assert.ok(Buffer.isBuffer(value!.bin) && Buffer.isBuffer(value!.view));
      assert.deepEqual([...value!.bin], [5, 6, 7]);
      assert.deepEqual([...value!.view], [1, 2, 3]);
      assert.ok(value!.when instanceof Date && value!.when.getTime() === 1_600_000_000_000);
      assert.deepEqual(result.echoed, {
        nested,
        bin: { kind: "ArrayBuffer", bytes: [5, 6, 7] },
        view: { kind: "ArrayBuffer", bytes: [1, 2, 3] },
        when: 1_600_000_000_000,
      });
    }
    assert.deepEqual(errors, []);
  });
}

test("against a server on the JSON parser, the msgpack bundle never connects and closes cleanly", { ...bounded, skip: client === "siolink" ? false : "siolink's close reporting" }, async (t) => {
  const server = await startStack(t);
  const { page, errors } = await openPage(browser(), `${server.url}/pages/client.html?bundle=${encodeURIComponent(bundle)}`);
  const outcome = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const socket = w.io({ transports: ["websocket"], reconnection: false });
    const events: string[] = [];
    return await new Promise<string[]>((resolve) => {
      const timer = setTimeout(() => resolve([...events, "timeout"]), 5000);
      socket.io.on("close", (reason: string) => {
        events.push(`close: ${reason}`);
        clearTimeout(timer);
        socket.disconnect();
        resolve(events);
      });
      socket.on("connect", () => events.push("connect"));
    });
  });
  // The server cannot read the binary CONNECT and drops the connection (a text reply would be "parse error").
  assert.equal(outcome.length, 1, JSON.stringify(outcome));
  assert.match(outcome[0]!, /^close: (transport close|parse error)$/);
  assert.deepEqual(errors, []);
});
