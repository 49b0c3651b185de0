// Proves that every packet siolink's Encoder produces decodes, with siolink's Decoder, to the same packet.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Decoder, Encoder, PacketType, hasBinary, isBinary, parser, protocol, type Packet } from "../src/codec/index";
import type { EncodedChunk } from "../src/codec/packet";
import { SioError } from "../src/errors";

function decodeAll(chunks: readonly EncodedChunk[], decoder = new Decoder()): Packet[] {
  const out: Packet[] = [];
  const onDecoded = (p: Packet) => out.push(p);
  decoder.on("decoded", onDecoded);
  try {
    for (const chunk of chunks) decoder.add(chunk);
  } finally {
    decoder.off("decoded", onDecoded);
  }
  return out;
}

function roundTrip(packet: Packet): { chunks: EncodedChunk[]; decoded: Packet } {
  const chunks = new Encoder().encode(packet);
  const decoded = decodeAll(chunks);
  assert.equal(decoded.length, 1, "exactly one packet decoded");
  return { chunks, decoded: decoded[0]! };
}

/** Bytes of any binary value, for comparing what was sent with what arrived. */
function bytes(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new Error(`not binary: ${String(value)}`);
}

/** Deep equality where any two binary values compare by their bytes. */
function assertSameData(actual: unknown, expected: unknown, path = "data"): void {
  if (isBinary(expected) && !(expected instanceof Blob)) {
    assert.ok(isBinary(actual), `${path} should be binary`);
    assert.deepEqual([...bytes(actual)], [...bytes(expected)], `${path} bytes`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} should be an array`);
    assert.equal(actual.length, expected.length, `${path} length`);
    expected.forEach((item, i) => assertSameData(actual[i], item, `${path}[${i}]`));
    return;
  }
  if (typeof expected === "object" && expected !== null) {
    assert.equal(typeof actual, "object", `${path} should be an object`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path} keys`);
    for (const k of Object.keys(e)) assertSameData(a[k], e[k], `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}

test("exports the parser seam: protocol 5, Encoder, Decoder", () => {
  assert.equal(protocol, 5);
  assert.equal(parser.protocol, 5);
  assert.equal(parser.Encoder, Encoder);
  assert.equal(parser.Decoder, Decoder);
  assert.ok(new parser.Decoder() instanceof Decoder);
});

test("encodes the examples of the protocol document byte for byte", () => {
  const enc = new Encoder();
  const cases: [Packet, string][] = [
    [{ type: PacketType.CONNECT, nsp: "/" }, "0"],
    [{ type: PacketType.CONNECT, nsp: "/", data: { sid: "wZX3oN0bSVIhsaknAAAI" } }, '0{"sid":"wZX3oN0bSVIhsaknAAAI"}'],
    [{ type: PacketType.CONNECT, nsp: "/admin" }, "0/admin,"],
    [{ type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized" } }, '4{"message":"Not authorized"}'],
    [{ type: PacketType.EVENT, nsp: "/", data: ["foo"] }, '2["foo"]'],
    [{ type: PacketType.EVENT, nsp: "/admin", data: ["bar"] }, '2/admin,["bar"]'],
    [{ type: PacketType.EVENT, nsp: "/", data: ["foo"], id: 12 }, '212["foo"]'],
    [{ type: PacketType.ACK, nsp: "/", data: [], id: 12 }, "312[]"],
    [{ type: PacketType.EVENT, nsp: "/admin", data: ["foo"], id: 13 }, '2/admin,13["foo"]'],
    [{ type: PacketType.ACK, nsp: "/admin", data: ["bar"], id: 13 }, '3/admin,13["bar"]'],
    [{ type: PacketType.DISCONNECT, nsp: "/" }, "1"],
    [{ type: PacketType.DISCONNECT, nsp: "/admin" }, "1/admin,"],
  ];
  for (const [packet, wire] of cases) assert.deepEqual(enc.encode(packet), [wire]);

  const buf = Buffer.from([1, 2, 3, 4]);
  assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: "/", data: ["baz", buf] }), [
    '51-["baz",{"_placeholder":true,"num":0}]',
    buf,
  ]);
  const a = Buffer.from([1, 2]);
  const b = Buffer.from([3, 4]);
  const two = enc.encode({ type: PacketType.EVENT, nsp: "/admin", data: ["baz", a, b] });
  assert.deepEqual(two, ['52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', a, b]);
  assert.equal(two[1], a, "attachments are the caller's objects, not copies");
  assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: "/", data: ["foo", buf], id: 14 }), [
    '51-14["foo",{"_placeholder":true,"num":0}]',
    buf,
  ]);
  assert.deepEqual(enc.encode({ type: PacketType.ACK, nsp: "/", data: ["bar", buf], id: 15 }), [
    '61-15["bar",{"_placeholder":true,"num":0}]',
    buf,
  ]);
});

test("every packet type round-trips with and without namespace and ack id", () => {
  const namespaces = ["/", "/admin", "/a/b-c_d.e"];
  for (const nsp of namespaces) {
    const cases: Packet[] = [
      { type: PacketType.CONNECT, nsp },
      { type: PacketType.CONNECT, nsp, data: { token: "123", nested: { n: [1, null, true] } } },
      { type: PacketType.DISCONNECT, nsp },
      { type: PacketType.CONNECT_ERROR, nsp, data: { message: "Not authorized", data: { reason: 1 } } },
      { type: PacketType.CONNECT_ERROR, nsp, data: "plain string error" },
      { type: PacketType.EVENT, nsp, data: ["foo"] },
      { type: PacketType.EVENT, nsp, data: [42, "numeric event name"] },
      { type: PacketType.EVENT, nsp, data: ["foo", 1, "two", { three: [3] }, null, false], id: 0 },
      { type: PacketType.EVENT, nsp, data: ["foo"], id: Number.MAX_SAFE_INTEGER },
      { type: PacketType.ACK, nsp, data: [], id: 7 },
      { type: PacketType.ACK, nsp, data: ["bar", { ok: true }], id: 123456 },
    ];
    for (const packet of cases) {
      const { chunks, decoded } = roundTrip(packet);
      assert.equal(chunks.length, 1, "no attachments for plain JSON");
      assert.equal(typeof chunks[0], "string");
      assert.deepEqual(decoded, packet);
    }
  }
});

test("binary nested at any depth comes back with equal bytes", () => {
  const ab = new Uint8Array([9, 8, 7]).buffer;
  const pool = new ArrayBuffer(16);
  const view = new DataView(pool, 4, 4);
  view.setUint32(0, 0xdeadbeef);
  const data = [
    "upload",
    Buffer.from("hello"),
    {
      meta: { name: "a.bin", when: new Date(0), list: [1, 2, { raw: ab }] },
      chunks: [new Uint8Array([1, 2, 3]), [new Float32Array([1.5, -2.25]), [[view]]]],
      // A slice of a larger buffer: only the viewed bytes must travel.
      slice: new Uint16Array(new Uint16Array([1, 2, 3, 4, 5]).buffer, 2, 2),
      int8: new Int8Array([-1, 127]),
      big: new BigInt64Array([123n]),
    },
    null,
  ];
  for (const nsp of ["/", "/files"]) {
    for (const id of [undefined, 5]) {
      const packet: Packet = { type: PacketType.EVENT, nsp, data };
      if (id !== undefined) packet.id = id;
      const { chunks, decoded } = roundTrip(packet);
      assert.equal(chunks.length, 1 + 8, "text chunk + 8 attachments");
      assert.match(chunks[0] as string, /^58-/);
      assert.equal(decoded.type, PacketType.EVENT);
      assert.equal(decoded.nsp, nsp);
      assert.equal(decoded.id, id);
      assert.equal(decoded.attachments, 8);
      const expected = structuredClone(data) as typeof data;
      (expected[2] as { meta: { when: unknown } }).meta.when = "1970-01-01T00:00:00.000Z";
      assertSameData(decoded.data, expected);
    }
  }
  assert.equal((data[2] as { meta: { when: unknown } }).meta.when instanceof Date, true, "caller data untouched");
});

test("binary ACK round-trips as an ACK with attachments", () => {
  const { chunks, decoded } = roundTrip({ type: PacketType.ACK, nsp: "/", id: 9, data: [{ file: new ArrayBuffer(3) }] });
  assert.match(chunks[0] as string, /^61-9\[/);
  assert.equal(decoded.type, PacketType.ACK);
  assert.equal(decoded.id, 9);
  assertSameData(decoded.data, [{ file: new ArrayBuffer(3) }]);
});

test("a packet typed BINARY_* is sent by content: plain when it has no binary, binary otherwise", () => {
  const enc = new Encoder();
  assert.deepEqual(enc.encode({ type: PacketType.BINARY_EVENT, nsp: "/", data: ["x", 1] }), ['2["x",1]']);
  assert.deepEqual(enc.encode({ type: PacketType.BINARY_ACK, nsp: "/", id: 1, data: [] }), ["31[]"]);
  const buf = new Uint8Array([1]);
  assert.deepEqual(enc.encode({ type: PacketType.BINARY_EVENT, nsp: "/", data: ["x", buf] }), [
    '51-["x",{"_placeholder":true,"num":0}]',
    buf,
  ]);
});

test("the encoder never modifies the caller's data and shares plain subtrees", () => {
  const plain = { deep: { list: [1, 2, 3] } };
  const buf = Buffer.from([1]);
  const data = ["e", plain, { buf, other: "x" }];
  const snapshot = JSON.stringify(data);
  const chunks = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data });
  assert.equal(JSON.stringify(data), snapshot);
  assert.deepEqual(Object.keys(data[2] as object), ["buf", "other"]);
  assert.equal((data[2] as { buf: unknown }).buf, buf);
  assert.equal(data[1], plain);
  assert.equal(chunks[1], buf);

  // The text carries the plain parts as they are and a placeholder where the binary value was.
  assert.equal(chunks[0], `51-["e",${JSON.stringify(plain)},{"buf":{"_placeholder":true,"num":0},"other":"x"}]`);
});

test("toJSON is honoured as JSON.stringify would, including binary it returns", () => {
  class Money {
    readonly cents: number;
    constructor(cents: number) {
      this.cents = cents;
    }
    toJSON(key: string) {
      return { amount: this.cents / 100, key };
    }
  }
  const { decoded } = roundTrip({ type: PacketType.EVENT, nsp: "/", data: ["pay", new Money(1234), { price: new Money(5) }] });
  assert.deepEqual(decoded.data, ["pay", { amount: 12.34, key: "1" }, { price: { amount: 0.05, key: "price" } }]);

  const when = new Date(Date.UTC(2024, 1, 29, 12, 0, 0));
  assert.deepEqual(roundTrip({ type: PacketType.EVENT, nsp: "/", data: ["at", when] }).decoded.data, [
    "at",
    "2024-02-29T12:00:00.000Z",
  ]);

  // Binary returned by toJSON travels as an attachment.
  const image = { toJSON: () => ({ kind: "png", bytes: Buffer.from([0x89, 0x50]) }) };
  const { chunks, decoded: withBinary } = roundTrip({ type: PacketType.EVENT, nsp: "/", data: ["img", image] });
  assert.equal(chunks.length, 2);
  assert.match(chunks[0] as string, /^51-\["img",\{"kind":"png","bytes":\{"_placeholder":true,"num":0\}\}\]$/);
  assertSameData(withBinary.data, ["img", { kind: "png", bytes: Buffer.from([0x89, 0x50]) }]);

  // A toJSON returning binary directly.
  const direct = { toJSON: () => new Uint8Array([5, 6]) };
  assertSameData(roundTrip({ type: PacketType.EVENT, nsp: "/", data: ["d", direct] }).decoded.data, ["d", new Uint8Array([5, 6])]);

  // Buffer has its own toJSON: it must still be sent as binary, not as {type:"Buffer",data:[...]}.
  const [text] = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["b", Buffer.from([1])] });
  assert.equal(text, '51-["b",{"_placeholder":true,"num":0}]');
});

test("a Buffer attachment is never turned into JSON on the way (Buffer.toJSON makes an array of every byte)", (t) => {
  // JSON.stringify calls toJSON before any replacer: the encoder must take Buffers out before it gets there.
  // With Buffer.toJSON called, a 64 KiB emit cost 4x the CPU of socket.io-client's (bench binary scenario).
  const toJSON = t.mock.method(Buffer.prototype, "toJSON");
  const buf = Buffer.from([1, 2, 3]);
  const chunks = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["bin", buf, { nested: [buf] }, { own: { deep: buf } }] });
  assert.equal(toJSON.mock.callCount(), 0);
  assert.equal(chunks.length, 4);
  assert.equal(chunks[0], '53-["bin",{"_placeholder":true,"num":0},{"nested":[{"_placeholder":true,"num":1}]},{"own":{"deep":{"_placeholder":true,"num":2}}}]');
});

test("hasBinary finds binary anywhere and ignores inherited or non-serialised properties", () => {
  assert.equal(hasBinary(["a", 1, { b: [null, { c: "d" }] }]), false);
  assert.equal(hasBinary(["a", { b: [null, { c: new DataView(new ArrayBuffer(1)) }] }]), true);
  assert.equal(hasBinary(new Blob(["x"])), true);
  assert.equal(hasBinary(new File(["x"], "x.txt")), true);
  const inherited = Object.create({ hidden: Buffer.from([1]) }) as object;
  assert.equal(hasBinary(inherited), false, "JSON.stringify skips inherited properties, so do we");
});

test("Blob attachments pass through the encoder as-is", async () => {
  const blob = new Blob([new Uint8Array([1, 2, 3])]);
  const chunks = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["blob", { blob }] });
  assert.equal(chunks.length, 2);
  assert.equal(chunks[1], blob);
  // And the decoder accepts Blob attachments (browsers with binaryType "blob").
  const [decoded] = decodeAll(chunks);
  const back = (decoded!.data as [string, { blob: Blob }])[1].blob;
  assert.deepEqual([...new Uint8Array(await back.arrayBuffer())], [1, 2, 3]);
});

test("the encoder refuses malformed packets and unserialisable data with ERR_INVALID_ARG", () => {
  const enc = new Encoder();
  const bad: [Packet, RegExp][] = [
    [{ type: 9 as PacketType, nsp: "/" }, /unknown packet type 9/],
    [{ type: PacketType.EVENT, nsp: "admin", data: ["x"] }, /namespace must be a string starting with "\/"/],
    [{ type: PacketType.EVENT, nsp: "/a,b", data: ["x"] }, /without ","/],
    [{ type: PacketType.EVENT, nsp: "/", data: [] }, /non-empty array/],
    [{ type: PacketType.EVENT, nsp: "/", data: [{}] }, /EVENT name must be a string or a number, got an object/],
    [{ type: PacketType.EVENT, nsp: "/", data: ["x"], id: -1 }, /ack id must be a non-negative safe integer/],
    [{ type: PacketType.EVENT, nsp: "/", data: ["x"], id: 1.5 }, /ack id/],
    [{ type: PacketType.ACK, nsp: "/", data: [] }, /ACK packet has no ack id/],
    [{ type: PacketType.ACK, nsp: "/", data: {}, id: 1 }, /payload must be an array/],
    [{ type: PacketType.CONNECT, nsp: "/", data: "tok" }, /CONNECT payload must be an object/],
    [{ type: PacketType.CONNECT, nsp: "/", data: {}, id: 1 }, /CONNECT packet must not carry an ack id/],
    [{ type: PacketType.DISCONNECT, nsp: "/", data: {} }, /DISCONNECT packet must not carry a payload/],
    [{ type: PacketType.CONNECT_ERROR, nsp: "/", data: 1 }, /object or a string/],
    [{ type: PacketType.EVENT, nsp: "/", data: ["x", 1n] }, /not serialisable to JSON/],
  ];
  for (const [packet, message] of bad) {
    assert.throws(
      () => enc.encode(packet),
      (err: unknown) => err instanceof SioError && err.code === "ERR_INVALID_ARG" && message.test(err.message),
      `expected ${message} for ${String(packet.type)}`,
    );
  }
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  assert.throws(
    () => enc.encode({ type: PacketType.EVENT, nsp: "/", data: ["c", circular] }),
    (err: unknown) => err instanceof SioError && err.code === "ERR_INVALID_ARG" && /circular/.test(err.message),
  );
  const circularWithBinary: unknown[] = ["c", Buffer.from([1])];
  circularWithBinary.push(circularWithBinary);
  assert.throws(
    () => enc.encode({ type: PacketType.EVENT, nsp: "/", data: circularWithBinary }),
    (err: unknown) => err instanceof SioError && err.code === "ERR_INVALID_ARG",
  );
});

test("deep but legal nesting round-trips, with and without binary", () => {
  let plain: unknown = "leaf";
  let binary: unknown = new Uint8Array([42]);
  for (let i = 0; i < 900; i++) {
    plain = [plain];
    binary = { k: binary };
  }
  assert.deepEqual(roundTrip({ type: PacketType.EVENT, nsp: "/", data: ["deep", plain] }).decoded.data, ["deep", plain]);
  const { decoded } = roundTrip({ type: PacketType.EVENT, nsp: "/", data: ["deep", binary] });
  let cursor = (decoded.data as unknown[])[1];
  for (let i = 0; i < 900; i++) cursor = (cursor as { k: unknown }).k;
  assert.deepEqual([...bytes(cursor)], [42]);
});

test("property: arbitrary JSON with binary sprinkled in round-trips", () => {
  const binaryArb = fc.oneof(
    fc.uint8Array({ maxLength: 16 }).map((u) => Buffer.from(u)),
    fc.uint8Array({ maxLength: 16 }),
    fc.uint8Array({ maxLength: 16 }).map((u) => u.slice().buffer),
    fc.float32Array({ maxLength: 4 }),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      binaryArb,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
    ),
  }));
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.nat()),
      fc.array(value, { maxLength: 4 }),
      fc.constantFrom("/", "/x"),
      fc.option(fc.nat(), { nil: undefined }),
      (name, args, nsp, id) => {
        const packet: Packet = { type: PacketType.EVENT, nsp, data: [name, ...args] };
        if (id !== undefined) packet.id = id;
        const { decoded } = roundTrip(packet);
        assert.equal(decoded.nsp, nsp);
        assert.equal(decoded.id, id);
        assertSameData(decoded.data, packet.data);
      },
    ),
    { numRuns: 300 },
  );
});
