// Fuzzes the Socket.IO codec with fast-check: random text, mutations of the seed corpus
// (test/fuzz-corpus/socketio-packets.json) followed by random binary chunks, and random valid packets.
// Proves that the decoder only ever throws ProtocolError (never a TypeError, RangeError or anything else),
// that whatever it emits is a well-formed packet, that it stays usable after any input, and that every
// valid packet, binary included, round-trips through the encoder and decoder unchanged.
// Bounded: fixed run counts; the seed is printed, and FUZZ_SEED=<n> replays a run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { Decoder, Encoder, PacketType, type Packet } from "../src/codec/index";
import { ProtocolError } from "../src/errors";

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

interface Seed {
  text: string;
  attachments: number;
}
const corpus = (JSON.parse(readFileSync(new URL("./fuzz-corpus/socketio-packets.json", import.meta.url), "utf8")) as { seeds: Seed[] }).seeds;

/** Pieces that matter to the grammar, so mutations hit interesting spots more often than random text does. */
const token = fc.oneof(
  fc.constantFrom(
    '"', "[", "]", "{", "}", ",", "-", "/", ":", "0", "1", "5", "9", "\\", " ", "\u0000", "\ud800", "😀", "-1", "1e999",
    "null", "true", "99999999999999999999", '"__proto__"', '"constructor"', '{"_placeholder":true,"num":0}',
    '{"_placeholder":true,"num":1}', '{"_placeholder":true,"num":"0"}', '"_placeholder"', '"num":', "/admin,", "51-", "52-",
  ),
  fc.string({ maxLength: 4, unit: "binary" }),
);

type Mutation =
  | { op: "insert" | "replace"; at: number; text: string }
  | { op: "delete" | "duplicate"; at: number; length: number }
  | { op: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom("insert" as const, "replace" as const), at: fc.nat(), text: token }),
  fc.record({ op: fc.constantFrom("delete" as const, "duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.op) {
    case "insert":
      return text.slice(0, at) + m.text + text.slice(at);
    case "replace":
      return text.slice(0, at) + m.text + text.slice(at + m.text.length);
    case "delete":
      return text.slice(0, at) + text.slice(at + m.length);
    case "duplicate":
      return text.slice(0, at) + text.slice(at, at + m.length) + text.slice(at);
    case "truncate":
      return text.slice(0, at);
  }
}

/** What a decoded packet must look like, whatever the input was. */
function checkPacket(packet: Packet): void {
  assert.ok(Number.isInteger(packet.type) && packet.type >= 0 && packet.type <= 4, `type ${String(packet.type)}`);
  assert.ok(typeof packet.nsp === "string" && packet.nsp.startsWith("/"), `nsp ${String(packet.nsp)}`);
  if (packet.id !== undefined) assert.ok(Number.isSafeInteger(packet.id) && packet.id >= 0, `id ${String(packet.id)}`);
  switch (packet.type) {
    case PacketType.EVENT:
      assert.ok(Array.isArray(packet.data) && packet.data.length > 0);
      assert.ok(["string", "number"].includes(typeof (packet.data as unknown[])[0]));
      break;
    case PacketType.ACK:
      assert.ok(Array.isArray(packet.data) && packet.id !== undefined);
      break;
    case PacketType.CONNECT:
      assert.ok(packet.data === undefined || (typeof packet.data === "object" && packet.data !== null && !Array.isArray(packet.data)));
      break;
    case PacketType.CONNECT_ERROR:
      assert.ok(typeof packet.data === "string" || (typeof packet.data === "object" && packet.data !== null));
      break;
    case PacketType.DISCONNECT:
      assert.equal(packet.data, undefined);
      break;
  }
}

/** Feeds the chunks; returns the packets emitted. Anything thrown other than a ProtocolError fails the run. */
function feed(decoder: Decoder, chunks: readonly unknown[]): Packet[] {
  const out: Packet[] = [];
  const onDecoded = (packet: Packet): void => {
    out.push(packet);
  };
  decoder.on("decoded", onDecoded);
  try {
    for (const chunk of chunks) {
      try {
        decoder.add(chunk);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        assert.equal(error.code, "ERR_PROTOCOL");
      }
    }
  } finally {
    decoder.off("decoded", onDecoded);
  }
  for (const packet of out) checkPacket(packet);
  return out;
}

/** After any input the decoder takes a valid packet again (a pending binary packet is dropped first). */
function checkUsable(decoder: Decoder): void {
  let packets = feed(decoder, ['2["still-usable"]']);
  if (packets.length === 0) packets = feed(decoder, ['2["still-usable"]']);
  assert.deepEqual(packets, [{ type: PacketType.EVENT, nsp: "/", data: ["still-usable"] }]);
}

function run<Ts extends [unknown, ...unknown[]]>(
  t: { diagnostic(message: string): void },
  name: string,
  property: fc.IProperty<Ts>,
  numRuns: number,
): void {
  t.diagnostic(`${name}: seed ${SEED}, ${numRuns} runs (replay with FUZZ_SEED=${SEED})`);
  fc.assert(property, { numRuns, seed: SEED });
}

test("fuzz codec: random text never throws anything but ProtocolError", (t) => {
  const chunk = fc.oneof(fc.string({ maxLength: 60, unit: "binary" }), fc.uint8Array({ maxLength: 8 }));
  run(
    t,
    "random chunks",
    fc.property(fc.array(chunk, { minLength: 1, maxLength: 6 }), (chunks) => {
      const decoder = new Decoder();
      feed(decoder, chunks);
      checkUsable(decoder);
    }),
    3_000,
  );
});

test("fuzz codec: mutated corpus packets never throw anything but ProtocolError", (t) => {
  const binary = fc.oneof(
    fc.uint8Array({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 8 }).map((bytes) => bytes.buffer),
    fc.constant("2[\"interleaved\"]"),
  );
  run(
    t,
    "mutated corpus",
    fc.property(
      fc.nat({ max: corpus.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.array(binary, { maxLength: 6 }),
      (index, mutations, extra) => {
        const seed = corpus[index] as Seed;
        const text = mutations.reduce(mutate, seed.text);
        const decoder = new Decoder();
        feed(decoder, [text, ...extra]);
        checkUsable(decoder);
      },
    ),
    4_000,
  );
});

test("fuzz codec: every corpus seed decodes or is refused with a ProtocolError", () => {
  for (const seed of corpus) {
    const decoder = new Decoder();
    feed(decoder, [seed.text, ...Array.from({ length: seed.attachments }, (_, i) => new Uint8Array([i]))]);
    checkUsable(decoder);
  }
});

// ---- valid packets round-trip

const nsp = fc.oneof(
  fc.constant("/"),
  fc.string({ maxLength: 8, unit: "grapheme-ascii" }).filter((s) => !s.includes(",")).map((s) => `/${s}`),
);
// Through JSON once: -0 has no JSON form (it comes back as 0), which is JSON's doing, not the codec's.
const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const bytes = fc.uint8Array({ maxLength: 16 }).map((u) => Buffer.from(u));
/** JSON values with binary mixed in at various depths. */
const arg = fc.oneof(
  { weight: 4, arbitrary: json },
  { weight: 1, arbitrary: bytes },
  { weight: 1, arbitrary: fc.record({ file: bytes, name: fc.string() }, { noNullPrototype: true }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(json, bytes), { maxLength: 3 }) },
);
// Decoded objects always have Object.prototype: generate only such objects so deep equality can hold.
const object = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4, noNullPrototype: true });

/** Drops fields set to undefined: a Packet has them absent, never undefined. */
function compact(fields: { type: PacketType; nsp: string; data?: unknown; id?: number | undefined }): Packet {
  const out: Packet = { type: fields.type, nsp: fields.nsp };
  if (fields.data !== undefined) out.data = fields.data;
  if (fields.id !== undefined) out.id = fields.id;
  return out;
}

const packet: fc.Arbitrary<Packet> = fc
  .oneof(
    fc.record({
      type: fc.constant(PacketType.EVENT),
      nsp,
      data: fc.tuple(fc.oneof(fc.string(), fc.nat()), fc.array(arg, { maxLength: 4 })).map(([name, args]) => [name, ...args]),
      id: fc.option(fc.nat(), { nil: undefined }),
    }),
    fc.record({ type: fc.constant(PacketType.ACK), nsp, data: fc.array(arg, { maxLength: 4 }), id: fc.nat() }),
    fc.record({ type: fc.constant(PacketType.CONNECT), nsp, data: fc.option(object, { nil: undefined }) }),
    fc.record({ type: fc.constant(PacketType.CONNECT_ERROR), nsp, data: fc.oneof(fc.string(), object) }),
    fc.record({ type: fc.constant(PacketType.DISCONNECT), nsp }),
  )
  .map(compact);

/** The packet as the decoder should hand it back: no undefined fields, `attachments` for binary ones. */
function expected(p: Packet, attachments: number): Packet {
  const out: Packet = { type: p.type, nsp: p.nsp };
  if (p.data !== undefined) out.data = p.data;
  if (p.id !== undefined) out.id = p.id;
  if (attachments > 0) out.attachments = attachments;
  return out;
}

test("fuzz codec: valid packets, binary included, round-trip through encoder and decoder", (t) => {
  const encoder = new Encoder();
  run(
    t,
    "round trip",
    fc.property(packet, (p) => {
      const chunks = encoder.encode(p);
      const decoder = new Decoder();
      const out: Packet[] = [];
      decoder.on("decoded", (decoded: Packet) => out.push(decoded));
      for (const chunk of chunks) decoder.add(chunk);
      assert.equal(out.length, 1);
      assert.deepStrictEqual(out[0], expected(p, chunks.length - 1));
    }),
    2_000,
  );
});
