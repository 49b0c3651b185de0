// Proves the msgpack codec (src/codec/msgpack.ts, the built-in parser of dist/siolink.msgpack.js) speaks
// socket.io-msgpack-parser's wire format: byte-identical to it for the values both encode the same way, readable
// by its decoder, able to read its encoder's output, both ways under fast-check; and that bad input is refused
// with a ProtocolError, never a crash or a hang.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as reference from "socket.io-msgpack-parser";
import { decodeMsgpack, MsgpackDecoder, MsgpackEncoder, msgpackParser } from "../src/codec/msgpack";
import { PacketType, type Packet } from "../src/codec/packet";
import { ProtocolError, SioError } from "../src/errors";

/** Every binary value as its bytes, -0 as 0, so payloads of both codecs compare with deepEqual. */
function normalise(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { bin: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value)) return { bin: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  if (Object.is(value, -0)) return 0;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

function normalisePacket(p: { type: number; nsp: string; data?: unknown; id?: number }): Record<string, unknown> {
  const out: Record<string, unknown> = { type: p.type, nsp: p.nsp };
  if (p.data !== undefined) out.data = normalise(p.data);
  if (p.id !== undefined) out.id = p.id;
  return out;
}

function ours(packet: Packet): Uint8Array {
  const chunks = new MsgpackEncoder().encode(packet);
  assert.equal(chunks.length, 1);
  return chunks[0];
}

function theirs(packet: object): Buffer {
  const chunks = new reference.Encoder().encode(packet as never) as unknown as Buffer[];
  return chunks[0]!;
}

/** Their decoder's packet for our bytes. */
function decodeWithTheirs(bytes: Uint8Array): Record<string, unknown> {
  const decoder = new reference.Decoder();
  let decoded: Record<string, unknown> | undefined;
  decoder.on("decoded", (packet: Record<string, unknown>) => (decoded = packet));
  decoder.add(Buffer.from(bytes));
  assert.ok(decoded, "socket.io-msgpack-parser decoded nothing");
  return decoded;
}

/** Our decoder's packet for their bytes. */
function decodeWithOurs(bytes: Uint8Array): Packet {
  const decoder = new MsgpackDecoder();
  let decoded: Packet | undefined;
  decoder.on("decoded", (packet) => (decoded = packet));
  decoder.add(bytes);
  assert.ok(decoded, "the msgpack decoder decoded nothing");
  return decoded;
}

const samples: Packet[] = [
  { type: PacketType.CONNECT, nsp: "/" },
  { type: PacketType.CONNECT, nsp: "/admin", data: { token: "abc", n: 1 } },
  { type: PacketType.DISCONNECT, nsp: "/chat" },
  { type: PacketType.EVENT, nsp: "/", data: ["hello", 1, -1, 255, -129, 70_000, -70_000, 2 ** 31, 1.5, true, false, null] },
  { type: PacketType.EVENT, nsp: "/", data: ["nested", { a: { b: { c: [1, [2, [3, "é😀"]]] } } }], id: 7 },
  { type: PacketType.EVENT, nsp: "/", data: [42, "x".repeat(40), "y".repeat(300), "z".repeat(70_000)] },
  { type: PacketType.EVENT, nsp: "/", data: ["many", Array.from({ length: 20 }, (_, i) => i), Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))] },
  { type: PacketType.EVENT, nsp: "/", data: ["undefined", undefined, { u: undefined }] },
  { type: PacketType.EVENT, nsp: "/", data: ["date", new Date(1_700_000_000_123), new Date(-5)] },
  { type: PacketType.ACK, nsp: "/", data: [], id: 0 },
  { type: PacketType.ACK, nsp: "/admin", data: ["ok", { n: 1 }], id: 4_000_000_000 },
  { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized", data: { code: 4 } } },
  { type: PacketType.CONNECT_ERROR, nsp: "/", data: "refused" },
];

test("for values both encode alike, the bytes are the same as socket.io-msgpack-parser's", () => {
  for (const packet of samples) {
    assert.deepEqual([...ours(packet)], [...theirs(packet)], JSON.stringify(packet));
  }
  // A Buffer is a view: sent as bin, as notepack sends Buffers.
  const withBuffer: Packet = { type: PacketType.EVENT, nsp: "/", data: ["file", Buffer.from([1, 2, 3])] };
  assert.deepEqual([...ours(withBuffer)], [...theirs(withBuffer)]);
});

test("socket.io-msgpack-parser decodes what we encode, binary of every kind included", () => {
  const backing = new Uint8Array([100, 1, 2, 3, 100]);
  const packets: Packet[] = [
    ...samples,
    {
      type: PacketType.EVENT,
      nsp: "/",
      data: ["bin", new Uint8Array([1, 2]).buffer, new Uint8Array(backing.buffer, 1, 3), new Float32Array([1.5]), new DataView(backing.buffer, 4, 1), new ArrayBuffer(0)],
    },
    { type: PacketType.BINARY_EVENT, nsp: "/x", data: ["b", Buffer.alloc(300, 7)], id: 3 },
    { type: PacketType.BINARY_ACK, nsp: "/", data: [Buffer.alloc(70_000, 1)], id: 3 },
  ];
  for (const packet of packets) {
    const expected = normalisePacket({ ...packet, type: packet.type === 5 ? 2 : packet.type === 6 ? 3 : packet.type });
    assert.deepEqual(normalisePacket(decodeWithTheirs(ours(packet)) as never), expected);
  }
  // Views go as their own bytes (notepack would send the whole underlying buffer).
  const [, , view] = decodeWithTheirs(ours(packets[samples.length]!)).data as unknown[];
  assert.ok(Buffer.isBuffer(view));
  assert.deepEqual([...view], [1, 2, 3]);
});

test("we decode what socket.io-msgpack-parser encodes; bin and ext 0 become ArrayBuffers, dates Dates", () => {
  for (const packet of samples) {
    assert.deepEqual(normalisePacket(decodeWithOurs(theirs(packet))), normalisePacket(packet));
  }
  const server = { type: PacketType.EVENT, nsp: "/", data: ["bin", Buffer.from([1, 2]), new Uint8Array([3]).buffer], id: 1 };
  const decoded = decodeWithOurs(theirs(server));
  const [, bin, ext] = decoded.data as unknown[];
  assert.ok(bin instanceof ArrayBuffer && ext instanceof ArrayBuffer);
  assert.deepEqual(normalisePacket(decoded), normalisePacket(server));
  assert.ok((decodeWithOurs(theirs(samples[8]!)).data as unknown[])[1] instanceof Date);
  // Keys other than type, nsp, data and id (socket.io-client sends "options") are ignored.
  assert.deepEqual(decodeWithOurs(theirs({ type: 2, nsp: "/", data: ["e"], options: { compress: true } })), { type: 2, nsp: "/", data: ["e"] });
});

/** Values both codecs carry faithfully (notepack mangles lone surrogates and integers past 2^53). */
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4 },
    fc.string({ unit: "binary" }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double().filter((n) => !Number.isInteger(n) || Number.isSafeInteger(n)),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string().filter((key) => key !== "__proto__"), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const packet: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ type: fc.constant(PacketType.EVENT), nsp: fc.constantFrom("/", "/admin"), data: fc.tuple(fc.oneof(fc.string(), fc.integer()), fc.array(value, { maxLength: 4 })).map(([name, args]) => [name, ...args]) }),
  fc.record({ type: fc.constant(PacketType.EVENT), nsp: fc.constant("/"), data: fc.array(value, { maxLength: 3 }).map((args) => ["e", ...args]), id: fc.nat() }),
  fc.record({ type: fc.constant(PacketType.ACK), nsp: fc.constant("/"), data: fc.array(value, { maxLength: 4 }), id: fc.nat() }),
  fc.record({ type: fc.constant(PacketType.CONNECT), nsp: fc.constant("/x"), data: fc.dictionary(fc.string().filter((key) => key !== "__proto__"), value, { maxKeys: 4 }) }),
  fc.record({ type: fc.constant(PacketType.CONNECT_ERROR), nsp: fc.constant("/"), data: fc.string() }),
);

test("fuzz: ours → socket.io-msgpack-parser and socket.io-msgpack-parser → ours keep every packet", () => {
  fc.assert(
    fc.property(packet, (p) => {
      const expected = normalisePacket(p);
      assert.deepEqual(normalisePacket(decodeWithTheirs(ours(p)) as never), expected);
      assert.deepEqual(normalisePacket(decodeWithOurs(theirs(p))), expected);
      assert.deepEqual(normalisePacket(decodeWithOurs(ours(p))), expected);
    }),
    { numRuns: 300 },
  );
});

test("the parser module has socket.io-msgpack-parser's shape", () => {
  assert.equal(msgpackParser.protocol, reference.protocol);
  assert.equal(typeof msgpackParser.Encoder, "function");
  assert.equal(typeof msgpackParser.Decoder, "function");
  new MsgpackDecoder().destroy();
});

function refused(input: unknown, message: RegExp): void {
  const decoder = new MsgpackDecoder();
  decoder.on("decoded", () => assert.fail("decoded a bad message"));
  assert.throws(() => decoder.add(input), (err: unknown) => err instanceof ProtocolError && message.test(err.message));
}

test("bad input is refused with a ProtocolError", () => {
  const ok = theirs({ type: 2, nsp: "/", data: ["e", 1] });
  refused('2["e"]', /text message/);
  refused(ok.subarray(0, ok.length - 1), /ends early/);
  refused(Buffer.concat([ok, Buffer.from([0])]), /trailing/);
  refused(new Uint8Array([0xc1]), /invalid msgpack tag 0xc1/);
  refused(new Uint8Array([]), /ends early/);
  // A declared count far beyond the bytes is refused before anything is allocated for it.
  refused(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), /more than the bytes left/);
  refused(new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0]), /more than the bytes left/);
  refused(new Uint8Array([...Array(5000).fill(0x91), 0xc0]), /nested deeper/);
  refused(new Uint8Array([0x81, 0x90, 0xc0]), /map key/);
  refused(theirs([2, "/", ["e"]]), /must be a map/);
  refused(theirs({ type: 5, nsp: "/", data: ["e"] }), /unknown packet type/);
  refused(theirs({ type: 2.5, nsp: "/", data: ["e"] }), /unknown packet type/);
  refused(theirs({ type: 2, data: ["e"] }), /invalid namespace/);
  refused(theirs({ type: 2, nsp: "admin", data: ["e"] }), /invalid namespace/);
  refused(theirs({ type: 2, nsp: "/", data: [] }), /non-empty array/);
  refused(theirs({ type: 2, nsp: "/", data: [null] }), /name must be/);
  refused(theirs({ type: 2, nsp: "/", data: ["e"], id: -1 }), /ack id/);
  refused(theirs({ type: 3, nsp: "/", data: [] }), /no ack id/);
  refused(theirs({ type: 3, nsp: "/", data: {}, id: 1 }), /must be an array/);
  refused(theirs({ type: 0, nsp: "/", data: "x" }), /must be an object/);
  refused(theirs({ type: 0, nsp: "/", data: {}, id: 1 }), /must not carry an ack id/);
  refused(theirs({ type: 1, nsp: "/", data: 1 }), /must not carry a payload/);
  refused(theirs({ type: 4, nsp: "/", data: 1 }), /object or a string/);
  // The decoder stays usable after a refusal.
  assert.deepEqual(decodeWithOurs(ok), { type: 2, nsp: "/", data: ["e", 1] });
});

test("decoding is exact for every number form and keeps an own __proto__ key", () => {
  const cases: Array<[number[], unknown]> = [
    [[0xca, 0x3f, 0xc0, 0, 0], 1.5],
    [[0xcf, 0, 0, 0, 1, 0, 0, 0, 2], 2 ** 32 + 2],
    [[0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], -2],
    [[0xd0, 0x80], -128],
    [[0xd1, 0x80, 0], -32768],
    [[0xd2, 0x80, 0, 0, 0], -(2 ** 31)],
    [[0xd5, 5, 1, 2], [5, new Uint8Array([1, 2]).buffer]],
    [[0xc7, 1, 0, 9], new Uint8Array([9]).buffer],
  ];
  for (const [bytes, expected] of cases) assert.deepEqual(decodeMsgpack(new Uint8Array(bytes)), expected);
  const proto = decodeMsgpack(new Uint8Array([0x81, 0xa9, ...Buffer.from("__proto__"), 0x81, 0xa1, 0x78, 1])) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), ["__proto__"]);
});

test("values with no MessagePack form fail at the caller with ERR_INVALID_ARG", () => {
  const invalid = (data: unknown[]) =>
    assert.throws(() => new MsgpackEncoder().encode({ type: PacketType.EVENT, nsp: "/", data }), (err: unknown) => err instanceof SioError && err.code === "ERR_INVALID_ARG");
  invalid(["blob", new Blob(["x"])]);
  invalid(["big", 10n]);
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  invalid(["circular", circular]);
  invalid([{ not: "a name" }]);
  // Functions: dropped from objects, null in arrays, as JSON does (and as notepack does for objects).
  const [bytes] = new MsgpackEncoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["f", { keep: 1, drop: () => 1 }, [() => 1]] });
  assert.deepEqual(decodeMsgpack(bytes), { type: 2, nsp: "/", data: ["f", { keep: 1 }, [null]] });
  // toJSON is honoured.
  const [json] = new MsgpackEncoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["j", { toJSON: () => "as json" }] });
  assert.deepEqual(decodeMsgpack(json), { type: 2, nsp: "/", data: ["j", "as json"] });
});

test("fuzz: arbitrary and mutated bytes decode or throw a ProtocolError, nothing else", () => {
  const valid = samples.map((p) => theirs(p));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, byte]) => {
      const copy = Uint8Array.from(bytes);
      copy[at % copy.length] = byte;
      return copy;
    }),
    fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([bytes, cut]) => bytes.subarray(0, cut % bytes.length)),
  );
  fc.assert(
    fc.property(input, (bytes) => {
      const decoder = new MsgpackDecoder();
      try {
        decoder.add(bytes);
      } catch (err) {
        assert.ok(err instanceof ProtocolError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
});
