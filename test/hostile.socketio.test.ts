// Proves that a server sending bad Socket.IO packets cannot crash the client, pollute Object.prototype, fire
// the client's reserved listeners (connect, disconnect, connect_error, disconnecting, newListener,
// removeListener) or break the connect/disconnect alternation: the client either stays usable (the packet
// is dropped or delivered harmlessly) or closes with "parse error" and a ProtocolError naming the problem,
// then reconnects by itself. Every case runs against test/helpers/hostile-server.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runHostileCase, type HostileCase, type HostileConnection } from "./helpers/hostile-server";

const PH = (num: unknown): string => JSON.stringify({ _placeholder: true, num });
const BIN = new Uint8Array([1, 2, 3]);

/** Sends the frames in order; binary ones as binary frames. */
function frames(...list: Array<string | Uint8Array>): (conn: HostileConnection) => void {
  return (conn) => {
    for (const frame of list) conn.send(frame);
  };
}

const parseError = (error: RegExp): HostileCase["outcome"] => ({ kind: "closes", reason: "parse error", error });

const cases: Record<string, HostileCase> = {
  // ---- malformed packets
  "invalid JSON": { script: frames('42["a",'), outcome: parseError(/ProtocolError: .*invalid JSON/) },
  "unknown packet type 7": { script: frames("47[]"), outcome: parseError(/unknown packet type "7"/) },
  "unknown packet type x": { script: frames('4x["a"]'), outcome: parseError(/unknown packet type "x"/) },
  "event without a name": { script: frames("42[]"), outcome: parseError(/non-empty array/) },
  "event named by an object": { script: frames('42[{"a":1}]'), outcome: parseError(/name must be a string or a number/) },
  "event payload not an array": { script: frames('42{"a":1}'), outcome: parseError(/must be a non-empty array/) },
  "JSON with whitespace around it": { script: frames('42["a"] '), outcome: parseError(/whitespace around its JSON/) },
  "ack id too large for a safe integer": { script: frames('4299999999999999999999["a"]'), outcome: parseError(/must be a non-negative safe integer/) },

  // ---- binary packets that lie
  "attachment count lower than the placeholders": {
    script: frames(`451-["a",${PH(0)},${PH(1)}]`, BIN, BIN),
    outcome: parseError(/out of range for 1 attachment/),
  },
  "attachment count higher than the placeholders": {
    script: frames(`452-["a",${PH(0)}]`, BIN, BIN),
    outcome: parseError(/declares 2 attachment\(s\) but its payload references 1/),
  },
  "a text packet while attachments are still due": {
    script: frames(`452-["a",${PH(0)},${PH(1)}]`, BIN, '42["b"]'),
    outcome: parseError(/still expected/),
  },
  "a binary frame nobody announced": { script: frames(BIN), outcome: parseError(/no binary packet was expecting one/) },
  "placeholder num out of range": { script: frames(`451-["a",${PH(5)}]`, BIN), outcome: parseError(/out of range/) },
  "placeholder num negative": { script: frames(`451-["a",${PH(-1)}]`, BIN), outcome: parseError(/out of range/) },
  "placeholder num a string": { script: frames(`451-["a",${PH("0")}]`, BIN), outcome: parseError(/must be an integer/) },
  "placeholder num fractional": { script: frames(`451-["a",${PH(0.5)}]`, BIN), outcome: parseError(/must be an integer/) },
  "placeholder used twice": { script: frames(`452-["a",${PH(0)},${PH(0)}]`, BIN, BIN), outcome: parseError(/more than once/) },
  "enormous attachment count": { script: frames('45999999999999999999999-["a"]'), outcome: parseError(/more than the limit/) },
  "attachment count just over the limit": { script: frames(`45101-["a",${PH(0)}]`), outcome: parseError(/more than the limit of 100/) },
  "zero attachments": { script: frames('450-["a"]'), outcome: parseError(/zero attachments/) },
  "binary placeholders nested too deep": {
    script: frames(`451-["deep",${"[".repeat(1_200)}${PH(0)}${"]".repeat(1_200)}]`, BIN),
    outcome: parseError(/nested deeper than/),
  },

  // ---- prototype pollution attempts
  "__proto__ and constructor keys in a payload": {
    script: frames('42["data",{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}]'),
    outcome: { kind: "usable" },
  },
  "a binary attachment placed under __proto__": {
    script: frames(`452-["data",{"__proto__":${PH(0)},"constructor":{"prototype":${PH(1)}}}]`, BIN, BIN),
    outcome: { kind: "usable" },
  },
  "__proto__, constructor, toString, hasOwnProperty as event names": {
    script: frames('42["__proto__",1]', '42["constructor",2]', '42["toString"]', '42["hasOwnProperty"]', '42["$connect"]', '42["_callbacks"]'),
    outcome: { kind: "usable" },
  },
  "a numeric event name": { script: frames('42[42,"x"]'), outcome: { kind: "usable" } },

  // ---- acknowledgements
  "an ack for an id never issued": { script: frames('43999["x"]', '4312["y"]'), outcome: { kind: "usable" } },
  "an ack without an id": { script: frames('43["x"]'), outcome: parseError(/has no ack id/) },
  "an ack whose payload is not an array": { script: frames('431{"a":1}'), outcome: parseError(/must be an array/) },

  // ---- namespaces
  "a DISCONNECT for a namespace never joined": { script: frames("41/nope,"), outcome: { kind: "usable" } },
  "a CONNECT for a namespace never asked for": { script: frames('40/admin,{"sid":"x"}'), outcome: { kind: "usable" } },
  "an event for a namespace never joined": { script: frames('42/admin,["secret"]'), outcome: { kind: "usable" } },
  "a CONNECT_ERROR while connected (only valid in answer to CONNECT)": {
    script: frames('44{"message":"late refusal"}'),
    outcome: { kind: "usable" },
  },
  "a CONNECT reply without a sid (a Socket.IO v2 server)": {
    autoConnect: false,
    script: async (conn) => {
      await conn.waitForFrame((f) => f.startsWith("40"), "CONNECT");
      conn.send("40");
    },
    outcome: { kind: "refused", error: /no session id/ },
  },
  "a CONNECT reply that is not an object": {
    autoConnect: false,
    script: async (conn) => {
      await conn.waitForFrame((f) => f.startsWith("40"), "CONNECT");
      conn.send("40[1]");
    },
    outcome: { kind: "refused", error: /CONNECT payload must be an object/ },
  },
  "a CONNECT_ERROR without a payload": {
    autoConnect: false,
    script: async (conn) => {
      await conn.waitForFrame((f) => f.startsWith("40"), "CONNECT");
      conn.send("44");
    },
    outcome: { kind: "refused", error: /CONNECT_ERROR payload must be an object or a string/ },
  },

  // ---- size and depth
  "deeply nested JSON (200,000 levels)": {
    script: frames(`42["deep",${"[".repeat(200_000)}${"]".repeat(200_000)}]`),
    outcome: { kind: "usable" },
  },
};

/** Checks that go beyond the common invariants, for the cases that deliver something. */
function checkDelivery(name: string, events: readonly unknown[][]): void {
  if (name.startsWith("__proto__, constructor")) {
    assert.deepEqual(
      events.map((e) => e[0]),
      ["__proto__", "constructor", "toString", "hasOwnProperty", "$connect", "_callbacks"],
      "delivered as ordinary events",
    );
  }
  if (name === "__proto__ and constructor keys in a payload") {
    const [event, data] = events[0] as [string, Record<string, unknown>];
    assert.equal(event, "data");
    assert.equal(Object.getPrototypeOf(data), Object.prototype, "the payload object keeps its normal prototype");
    assert.ok(Object.hasOwn(data, "__proto__"), "__proto__ stays an own data key");
  }
  if (name === "a binary attachment placed under __proto__") {
    const [, data] = events[0] as [string, Record<string, unknown>];
    assert.ok(Buffer.isBuffer(Object.getOwnPropertyDescriptor(data, "__proto__")?.value), "the attachment landed as an own key");
    assert.notEqual(Object.getPrototypeOf(data), Buffer.prototype);
  }
}

for (const transport of ["websocket", "polling"] as const) {
  for (const [name, c] of Object.entries(cases)) {
    test(`hostile Socket.IO (${transport}): ${name}`, { timeout: 30_000 }, async (t) => {
      const { timeline } = await runHostileCase(t, { ...c, transport });
      checkDelivery(name, timeline.events);
    });
  }

  // Reserved names sent by the server as events (plain, with an ack request, binary): no listener may see
  // them, not even onAny; the client drops them and stays usable.
  for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
    test(`hostile Socket.IO (${transport}): "${name}" sent by the server as an event`, { timeout: 30_000 }, async (t) => {
      const { timeline } = await runHostileCase(t, {
        transport,
        script: frames(`42["${name}","spoofed"]`, `427["${name}",{"message":"spoofed"}]`, `451-["${name}",${PH(0)}]`, BIN),
        outcome: { kind: "usable" },
      });
      assert.deepEqual(timeline.events, [], "no listener, not even onAny, saw the reserved name");
    });
  }

  test(`hostile Socket.IO (${transport}): the same ack sent twice, and a second reply for it, reach the callback once`, { timeout: 30_000 }, async (t) => {
    const calls: unknown[][] = [];
    await runHostileCase(t, {
      transport,
      onSocket: (socket) => socket.once("connect", () => socket.emit("ask", (...reply: unknown[]) => calls.push(reply))),
      script: async (conn) => {
        const frame = await conn.waitForFrame((f) => /^42\d+\["ask"\]$/.test(f), "the ask event");
        const id = /^42(\d+)/.exec(frame)?.[1] ?? "";
        conn.send(`43${id}["first"]`);
        conn.send(`43${id}["first"]`);
        conn.send(`43${id}["second"]`);
      },
      outcome: { kind: "usable" },
    });
    assert.deepEqual(calls, [["first"]]);
  });
}
