// Proves that a server sending bad Engine.IO input cannot crash the client or wedge it: malformed handshakes
// fail the attempt with a clear connect_error and the client retries; malformed or unknown frames either are
// ignored (noop, stray pong, repeated open) or close the session with "parse error"; anything bigger than
// maxReceiveSize (a WebSocket frame, a polling body, an endless polling body, a frame header announcing a
// terabyte) closes it with "transport error" and a TransportError naming the limit, without buffering it.
// After each close the client reconnects by itself to a well-behaved connection.

import { test } from "node:test";
import assert from "node:assert/strict";
import { TransportError } from "../src/index";
import { runHostileCase, validHandshake, type HostileCase, type HostileConnection } from "./helpers/hostile-server";

const LIMIT = 4_096;
/** The engine's default maxReceiveSize (src/engine/session.ts). */
const DEFAULT_LIMIT = 64 * 1024 * 1024;

function frames(...list: Array<string | Uint8Array>): (conn: HostileConnection) => void {
  return (conn) => {
    for (const frame of list) conn.send(frame);
  };
}

const handshakes: Record<string, string | Uint8Array> = {
  "not JSON": "0{sid:",
  "no data": "0",
  "null": "0null",
  "an array": "0[]",
  "an empty sid": validHandshake(0, { sid: "" }),
  "a numeric sid": validHandshake(0, { sid: 42 }),
  "upgrades not an array": validHandshake(0, { upgrades: "websocket" }),
  "a negative pingInterval": validHandshake(0, { pingInterval: -1 }),
  "pingInterval as a string": validHandshake(0, { pingInterval: "25000" }),
  "a pingTimeout of years": validHandshake(0, { pingTimeout: 1e12 }),
  "maxPayload zero": validHandshake(0, { maxPayload: 0 }),
  "a message instead of the open packet": '4hello',
  "a binary frame first": new Uint8Array([0, 1, 2]),
  "an unknown packet type first": "9{}",
};

for (const transport of ["websocket", "polling"] as const) {
  for (const [name, handshake] of Object.entries(handshakes)) {
    if (transport === "polling" && typeof handshake !== "string") continue;
    test(`hostile Engine.IO (${transport}): a handshake with ${name} -> connect_error, then reconnects`, { timeout: 30_000 }, async (t) => {
      const { timeline } = await runHostileCase(t, {
        transport,
        handshake,
        outcome: { kind: "refused", error: /handshake|open packet|parser/ },
      });
      const error = timeline.errors[0];
      assert.ok(error instanceof Error && "code" in error, "a SioError");
      assert.ok(["ERR_HANDSHAKE", "ERR_PROTOCOL"].includes(String(error.code)), `code ${String(error.code)}`);
    });
  }
}

const closes = (reason: string, error?: RegExp): HostileCase["outcome"] =>
  error === undefined ? { kind: "closes", reason } : { kind: "closes", reason, error };

const frameCases: Record<string, Omit<HostileCase, "transport">> = {
  "an empty frame": { script: frames(""), outcome: closes("parse error", /Engine\.IO parser/) },
  "an unknown packet type": { script: frames("9oops"), outcome: closes("parse error", /Engine\.IO parser/) },
  "a message packet without data": { script: frames("4"), outcome: closes("parse error", /ProtocolError/) },
  "base64 garbage": { script: frames("b!!!not base64!!!"), outcome: closes("parse error", /no binary packet was expecting one/) },
  "a noop, a stray pong, an upgrade and a second open": {
    script: frames("6", "3", "3probe", "5", validHandshake(7)),
    outcome: { kind: "usable" },
  },
  "a ping": { script: frames("2"), outcome: { kind: "usable" } },
  "a frame just under maxReceiveSize": {
    script: frames(`42["big","${"x".repeat(LIMIT - 100)}"]`),
    clientOptions: { maxReceiveSize: LIMIT },
    outcome: { kind: "usable" },
  },
  "a message bigger than maxReceiveSize": {
    script: frames(`42["big","${"x".repeat(LIMIT * 2)}"]`),
    clientOptions: { maxReceiveSize: LIMIT },
    outcome: closes("transport error", /TransportError: message too large: .* exceeded maxReceiveSize \(4096 bytes\)/),
  },
  "multi-byte text that only UTF-8 makes too big": {
    // 2,000 characters of 3 bytes each: 6,000 bytes on the wire, more than the 4,096 allowed.
    script: frames(`42["big","${"€".repeat(2_000)}"]`),
    clientOptions: { maxReceiveSize: LIMIT },
    outcome: closes("transport error", /maxReceiveSize/),
  },
};

for (const transport of ["websocket", "polling"] as const) {
  for (const [name, c] of Object.entries(frameCases)) {
    test(`hostile Engine.IO (${transport}): ${name}`, { timeout: 30_000 }, async (t) => {
      const { server } = await runHostileCase(t, { ...c, transport });
      if (name === "a ping") {
        await server.connections[0]?.waitForFrame((frame) => frame === "3", "the pong");
      }
    });
  }
}

test("hostile Engine.IO (websocket): a frame header announcing a terabyte is refused before any payload", { timeout: 30_000 }, async (t) => {
  const { timeline } = await runHostileCase(t, {
    // Default limit: 2^40 bytes announced (server frames are unmasked): `ws` refuses on the header alone.
    script: (conn) => conn.writeRaw(Buffer.from([0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0])),
    outcome: closes("transport error", new RegExp(`maxReceiveSize \\(${DEFAULT_LIMIT} bytes\\)`)),
  });
  assert.ok(timeline.errors[0] instanceof TransportError);
});

test("hostile Engine.IO (polling): a body with a bad record in the middle delivers what precedes it, then closes", { timeout: 30_000 }, async (t) => {
  const { timeline } = await runHostileCase(t, {
    transport: "polling",
    script: (conn) => conn.sendBody('42["before"]\x1e\x1e42["after"]'),
    outcome: closes("parse error", /Engine\.IO parser/),
  });
  assert.deepEqual(timeline.events, [["before"]], "the record before the bad one was delivered, nothing after it");
});

test("hostile Engine.IO (polling): an empty body closes with parse error", { timeout: 30_000 }, async (t) => {
  await runHostileCase(t, { transport: "polling", script: (conn) => conn.sendBody(""), outcome: closes("parse error") });
});

test("hostile Engine.IO (polling): a close packet in a body ends the session as transport close", { timeout: 30_000 }, async (t) => {
  await runHostileCase(t, { transport: "polling", script: (conn) => conn.sendBody("1"), outcome: closes("transport close") });
});

test("hostile Engine.IO (polling): a body over maxReceiveSize announced by Content-Length is refused", { timeout: 30_000 }, async (t) => {
  await runHostileCase(t, {
    transport: "polling",
    clientOptions: { maxReceiveSize: LIMIT },
    script: (conn) => conn.sendBody(`42["big","${"x".repeat(LIMIT * 4)}"]`),
    outcome: closes("transport error", /Content-Length \d+\) exceeded maxReceiveSize \(4096 bytes\)/),
  });
});

test("hostile Engine.IO (polling): an endless body is aborted once it passes maxReceiveSize", { timeout: 30_000 }, async (t) => {
  let written: Promise<number> = Promise.resolve(0);
  await runHostileCase(t, {
    transport: "polling",
    clientOptions: { maxReceiveSize: 64 * 1024 },
    script: (conn) => {
      written = conn.streamEndless(16 * 1024);
    },
    outcome: closes("transport error", /polling response .* exceeded maxReceiveSize \(65536 bytes\)/),
  });
  // The server only stops because the client hung up; socket buffers account for what it wrote beyond the limit.
  const bytes = await written;
  t.diagnostic(`the server wrote ${bytes} bytes before the client aborted`);
  assert.ok(bytes < DEFAULT_LIMIT, "the client stopped reading long before anything like the default limit");
});
