// Proves the built-in decoders (JSON and msgpack) hand packets straight to the Manager: no "decoded" listener
// and no closure per connection, while events still arrive. A class field declared without an initialiser once
// made `kDecodeSink in decoder` false, and every connection silently fell back to the listener path.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as msgpackWire from "socket.io-msgpack-parser";
import { Manager } from "../src/index";
import { Decoder, Encoder } from "../src/codec/index";
import { MsgpackDecoder, MsgpackEncoder } from "../src/codec/msgpack";
import { startServer } from "./helpers/server";

for (const [name, Enc, Dec, serverParser] of [
  ["JSON", Encoder, Decoder, undefined],
  ["msgpack", MsgpackEncoder, MsgpackDecoder, msgpackWire],
] as const) {
  test(`the ${name} decoder delivers to the Manager directly, with no "decoded" listener`, async (t) => {
    const server = await startServer(t, serverParser ? { parser: serverParser } : {});
    server.io.on("connection", (s) => s.emit("hello", { n: 1 }));
    const made: InstanceType<typeof Dec>[] = [];
    const Recording = class extends (Dec as typeof Decoder) {
      constructor() {
        super();
        made.push(this);
      }
    };
    const manager = new Manager(server.url, {
      transports: ["websocket"],
      reconnection: false,
      parser: { Encoder: Enc, Decoder: Recording } as never,
    });
    t.after(() => manager._close());
    const socket = manager.socket("/");
    const got = await new Promise((resolve) => socket.once("hello", resolve));
    assert.deepEqual(got, { n: 1 });
    assert.equal(made.length, 1);
    assert.equal(made[0].hasListeners("decoded"), false, "the Manager listens instead of taking packets directly");
  });
}
