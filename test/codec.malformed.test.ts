// Proves the Decoder refuses malformed input with a ProtocolError, stays usable, and never touches a prototype.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Decoder, Encoder, PacketType, type Packet } from "../src/codec/index";
import { ProtocolError, SioError } from "../src/errors";

const PH = (num: unknown) => JSON.stringify({ _placeholder: true, num });

function expectProtocolError(fn: () => void, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, "ERR_PROTOCOL");
    assert.match(err.message, pattern);
    return true;
  });
}

/** A text packet and a binary packet still decode: no partial state survived the failure. */
function assertUsable(decoder: Decoder): void {
  const got: Packet[] = [];
  const onDecoded = (p: Packet) => got.push(p);
  decoder.on("decoded", onDecoded);
  try {
    decoder.add('2["ok",1]');
    decoder.add(`51-["bin",${PH(0)}]`);
    decoder.add(Buffer.from([7]));
  } finally {
    decoder.off("decoded", onDecoded);
  }
  assert.equal(got.length, 2);
  assert.deepEqual(got[0], { type: PacketType.EVENT, nsp: "/", data: ["ok", 1] });
  assert.deepEqual(got[1]!.data, ["bin", Buffer.from([7])]);
}

function assertPrototypesClean(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "num", "_placeholder", "x"]) {
    assert.equal(probe[key], undefined, `Object.prototype.${key} must not exist`);
    assert.equal(([] as unknown as Record<string, unknown>)[key], undefined, `Array.prototype.${key} must not exist`);
  }
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  assert.deepEqual(
    Object.getOwnPropertyNames(Object.prototype).sort(),
    Object.getOwnPropertyNames(Object.getPrototypeOf(Object.create(Object.prototype))).sort(),
  );
  assert.equal(Object.prototype.toString.call({}), "[object Object]");
}

const invalidText: [string, string, RegExp][] = [
  ["empty string", "", /empty packet/],
  ["unknown type 7", '7["a"]', /unknown packet type "7"/],
  ["unknown type letter", "x", /unknown packet type "x"/],
  ["leading space", ' 2["a"]', /unknown packet type " "/],
  ["bad JSON", '2["a"', /EVENT packet has an invalid JSON payload/],
  ["bad JSON object", '0{"a":}', /CONNECT packet has an invalid JSON payload/],
  ["trailing garbage", '2["a"]x', /invalid JSON payload/],
  ["trailing second value", '2["a"]["b"]', /invalid JSON payload/],
  ["trailing whitespace", '2["a"] ', /whitespace around its JSON payload/],
  ["trailing newline", '2["a"]\n', /whitespace around its JSON payload/],
  ["missing attachment count", `5-["a",${PH(0)}]`, /BINARY_EVENT packet must start with an attachment count and "-"/],
  ["non-numeric attachment count", `5x-["a",${PH(0)}]`, /attachment count and "-"/],
  ["attachment count without -", `51["a",${PH(0)}]`, /attachment count and "-"/],
  ["attachment count only", "51", /attachment count and "-"/],
  ["attachment count over the cap", `5101-["a",${PH(0)}]`, /declares "101" attachments, more than the limit of 100/],
  ["huge attachment count", `5${"9".repeat(400)}-["a"]`, /more than the limit of 100/],
  ["attachment count on EVENT", '21-["a"]', /EVENT packet is not binary but carries an attachment count/],
  ["attachment count on ACK", "31-[]", /ACK packet is not binary but carries an attachment count/],
  ["zero attachments", '50-["a"]', /BINARY_EVENT packet declares zero attachments/],
  ["zero attachments on ack", "60-1[]", /BINARY_ACK packet declares zero attachments/],
  ["namespace without slash", '2admin,["a"]', /namespace must start with "\/", got "admin"/],
  ["namespace without slash on connect", "0admin,", /namespace must start with "\/"/],
  ["ack id not a safe integer", `2${"9".repeat(17)}["a"]`, /EVENT ack id must be a non-negative safe integer, got 100000000000000000/],
  ["ack id far too long", `3${"1".repeat(500)}[]`, /ACK ack id must be a non-negative safe integer, got Infinity/],
  ["CONNECT payload array", "0[]", /CONNECT payload must be an object, got an empty array/],
  ["CONNECT payload string", '0"tok"', /CONNECT payload must be an object, got string/],
  ["CONNECT payload null", "0null", /CONNECT payload must be an object, got null/],
  ["CONNECT payload number", "0/admin,true", /CONNECT payload must be an object, got boolean/],
  ["CONNECT with ack id", "01{}", /CONNECT packet must not carry an ack id/],
  ["CONNECT_ERROR without payload", "4", /CONNECT_ERROR payload must be an object or a string, got nothing/],
  ["CONNECT_ERROR payload array", '4["x"]', /CONNECT_ERROR payload must be an object or a string, got an array/],
  ["CONNECT_ERROR payload number", "4/admin,null", /got null/],
  ["DISCONNECT with payload", "1{}", /DISCONNECT packet must not carry a payload/],
  ["DISCONNECT with payload in namespace", '1/admin,"bye"', /DISCONNECT packet must not carry a payload/],
  ["DISCONNECT with ack id", "1/admin,5", /DISCONNECT packet must not carry an ack id/],
  ["EVENT without payload", "2", /EVENT payload must be a non-empty array, got nothing/],
  ["EVENT with only an id", "2/admin,12", /EVENT payload must be a non-empty array, got nothing/],
  ["EVENT empty array", "2[]", /EVENT payload must be a non-empty array, got an empty array/],
  ["EVENT object payload", '2{"a":1}', /EVENT payload must be a non-empty array, got an object/],
  ["EVENT string payload", '2"a"', /non-empty array, got string/],
  ["EVENT name null", "2[null]", /EVENT name must be a string or a number, got null/],
  ["EVENT name object", '2[{"a":1},2]', /EVENT name must be a string or a number, got an object/],
  ["EVENT name array", '2[["a"]]', /EVENT name must be a string or a number, got an array/],
  ["EVENT name boolean", "2[true]", /got boolean/],
  ["BINARY_EVENT object payload", `51-{"a":${PH(0)}}`, /BINARY_EVENT payload must be a non-empty array, got an object/],
  ["BINARY_EVENT name is the binary", `51-[${PH(0)}]`, /BINARY_EVENT name must be a string or a number, got an object/],
  ["ACK without id", '3["a"]', /ACK packet has no ack id/],
  ["ACK object payload", '31{"a":1}', /ACK payload must be an array, got an object/],
  ["ACK without payload", "31", /ACK payload must be an array, got nothing/],
  ["BINARY_ACK without id", `61-[${PH(0)}]`, /BINARY_ACK packet has no ack id/],
  ["BINARY_ACK object payload", `61-1{"a":${PH(0)}}`, /BINARY_ACK payload must be an array/],
  ["placeholder num out of range", `51-["a",${PH(1)}]`, /placeholder num 1 is out of range for 1 attachment/],
  ["placeholder num negative", `51-["a",${PH(-1)}]`, /placeholder num -1 is out of range/],
  ["placeholder num fractional", `51-["a",${PH(0.5)}]`, /placeholder "num" must be an integer, got 0.5/],
  ["placeholder num string", `51-["a",${PH("0")}]`, /placeholder "num" must be an integer, got "0"/],
  ["placeholder num missing", '51-["a",{"_placeholder":true}]', /placeholder "num" must be an integer, got nothing/],
  ["placeholder num duplicated", `52-["a",${PH(0)},${PH(0)}]`, /placeholder num 0 is used more than once/],
  ["attachment never referenced", `52-["a",${PH(0)}]`, /declares 2 attachment\(s\) but its payload references 1/],
  ["no placeholder at all", '51-["a",{"x":1}]', /declares 1 attachment\(s\) but its payload references 0/],
  [
    "deeply nested binary payload",
    `51-["a",${"[".repeat(1500)}${PH(0)}${"]".repeat(1500)}]`,
    /nested deeper than 1000 levels/,
  ],
  [
    "deeply nested objects in a binary payload",
    `51-["a",${'{"k":'.repeat(1500)}${PH(0)}${"}".repeat(1500)}]`,
    /nested deeper than 1000 levels/,
  ],
];

test("every malformed text packet throws a ProtocolError and the decoder keeps working", () => {
  const decoder = new Decoder();
  let decoded = 0;
  decoder.on("decoded", () => decoded++);
  for (const [what, input, pattern] of invalidText) {
    try {
      expectProtocolError(() => decoder.add(input), pattern);
    } catch (err) {
      assert.fail(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    assert.equal(decoded, 0, `${what}: nothing emitted`);
    assertUsable(decoder);
    decoded = 0;
  }
});

test("the same inputs fail the same way on a fresh decoder built with no arguments", () => {
  for (const [, input, pattern] of invalidText) expectProtocolError(() => new Decoder().add(input), pattern);
});

test("binary attachment arriving when none is expected", () => {
  const decoder = new Decoder();
  expectProtocolError(() => decoder.add(Buffer.from([1])), /got a binary attachment while no binary packet was expecting one/);
  expectProtocolError(() => decoder.add(new ArrayBuffer(1)), /no binary packet was expecting one/);
  assertUsable(decoder);
  // One attachment too many: the first completes the packet, the second is unexpected.
  const got: Packet[] = [];
  decoder.on("decoded", (p) => got.push(p));
  decoder.add(`51-["a",${PH(0)}]`);
  decoder.add(Buffer.from([1]));
  expectProtocolError(() => decoder.add(Buffer.from([2])), /no binary packet was expecting one/);
  assert.equal(got.length, 1);
});

test("a text packet while attachments are still expected drops the partial packet", () => {
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (p) => got.push(p));
  decoder.add(`52-["a",${PH(0)},${PH(1)}]`);
  decoder.add(Buffer.from([1]));
  expectProtocolError(() => decoder.add('2["next"]'), /got a text packet while 1 binary attachment\(s\) were still expected/);
  assert.equal(got.length, 0);
  // The dropped packet's last attachment is now unexpected, not silently attached to something else.
  expectProtocolError(() => decoder.add(Buffer.from([2])), /no binary packet was expecting one/);
  decoder.off("decoded");
  assertUsable(decoder);
});

test("chunks that are neither strings nor binary are refused", () => {
  const decoder = new Decoder();
  for (const chunk of [42, null, undefined, {}, ["2"], { base64: true, data: "AQ==" }, true]) {
    expectProtocolError(() => decoder.add(chunk), /cannot decode a chunk of type .*: expected a string or binary data/);
  }
  decoder.add(`51-["a",${PH(0)}]`);
  expectProtocolError(() => decoder.add({ byteLength: 1 }), /cannot decode a chunk/);
  expectProtocolError(() => decoder.add(Buffer.from([1])), /no binary packet was expecting one/);
  assertUsable(decoder);
});

test("maxAttachments is configurable and validated", () => {
  const strict = new Decoder({ maxAttachments: 2 });
  expectProtocolError(() => strict.add(`53-["a",${PH(0)},${PH(1)},${PH(2)}]`), /more than the limit of 2/);
  assertUsable(strict);
  const none = new Decoder({ maxAttachments: 0 });
  expectProtocolError(() => none.add(`51-["a",${PH(0)}]`), /more than the limit of 0/);
  const many = new Decoder({ maxAttachments: 500 });
  const placeholders = Array.from({ length: 300 }, (_, i) => PH(i)).join(",");
  let done: Packet | undefined;
  many.on("decoded", (p) => (done = p));
  many.add(`5300-["a",${placeholders}]`);
  for (let i = 0; i < 300; i++) many.add(Buffer.from([i & 0xff]));
  assert.equal((done?.data as unknown[]).length, 301);
  for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
    assert.throws(
      () => new Decoder({ maxAttachments: bad }),
      (err: unknown) => err instanceof SioError && err.code === "ERR_INVALID_ARG" && /maxAttachments/.test(err.message),
    );
  }
});

test("destroy() drops a partial binary packet and leaves the decoder usable", () => {
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (p) => got.push(p));
  decoder.add(`52-["a",${PH(0)},${PH(1)}]`);
  decoder.add(Buffer.from([1]));
  decoder.destroy();
  expectProtocolError(() => decoder.add(Buffer.from([2])), /no binary packet was expecting one/);
  decoder.add(`51-["b",${PH(0)}]`);
  decoder.destroy();
  decoder.add('2["after destroy"]');
  assert.deepEqual(
    got.map((p) => p.data),
    [["after destroy"]],
  );
  decoder.destroy();
  decoder.off("decoded");
  assertUsable(decoder);
});

test("a throwing listener does not leave a half-assembled packet behind", () => {
  const decoder = new Decoder();
  const boom = () => {
    throw new Error("listener bug");
  };
  decoder.on("decoded", boom);
  decoder.add(`51-["a",${PH(0)}]`);
  assert.throws(() => decoder.add(Buffer.from([1])), /listener bug/);
  decoder.off("decoded", boom);
  assertUsable(decoder);
});

test("plain packets are not walked: very deep JSON without binary decodes without blowing the stack", () => {
  const depth = 50_000;
  const decoder = new Decoder();
  let got: Packet | undefined;
  decoder.on("decoded", (p) => (got = p));
  decoder.add(`2["deep",${"[".repeat(depth)}${"]".repeat(depth)}]`);
  assert.equal(got?.type, PacketType.EVENT);
});

test("payload keys named __proto__, constructor and prototype never reach a prototype", () => {
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (p) => got.push(p));

  decoder.add('2["ev",{"__proto__":{"polluted":"yes"}},{"constructor":{"prototype":{"polluted":"yes"}}}]');
  decoder.add('0{"__proto__":{"polluted":"yes"},"prototype":{"x":1}}');
  decoder.add('4{"message":"no","__proto__":{"polluted":"yes"}}');
  decoder.add('31["__proto__",{"__proto__":{"polluted":"yes"}}]');
  assert.equal(got.length, 4);
  const first = (got[0]!.data as unknown[])[1] as object;
  assert.equal(Object.getPrototypeOf(first), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(first, "__proto__")?.value, { polluted: "yes" });
  assertPrototypesClean();

  // Placeholders under __proto__ keys: the attachment becomes an own property, the prototype is unchanged.
  got.length = 0;
  decoder.add(`51-["ev",{"__proto__":${PH(0)}}]`);
  decoder.add(Buffer.from([1, 2]));
  decoder.add(`52-["ev",{"__proto__":{"__proto__":${PH(0)}}},{"constructor":{"prototype":${PH(1)}}}]`);
  decoder.add(Buffer.from([3]));
  decoder.add(Buffer.from([4]));
  decoder.add(`62-1[{"__proto__":[${PH(1)},{"prototype":{"__proto__":${PH(0)}}}]}]`);
  decoder.add(Buffer.from([5]));
  decoder.add(Buffer.from([6]));
  assert.equal(got.length, 3);

  const one = (got[0]!.data as unknown[])[1] as object;
  assert.equal(Object.getPrototypeOf(one), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(one, "__proto__")?.value, Buffer.from([1, 2]));

  const [, outer, ctor] = got[1]!.data as [string, object, { constructor: { prototype: unknown } }];
  const inner = Object.getOwnPropertyDescriptor(outer, "__proto__")?.value as object;
  assert.equal(Object.getPrototypeOf(outer), Object.prototype);
  assert.equal(Object.getPrototypeOf(inner), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(inner, "__proto__")?.value, Buffer.from([3]));
  assert.deepEqual(ctor.constructor.prototype, Buffer.from([4]));
  assert.equal(Object.getPrototypeOf(ctor.constructor), Object.prototype);

  const ack = (got[2]!.data as [object])[0];
  const list = Object.getOwnPropertyDescriptor(ack, "__proto__")?.value as [Buffer, { prototype: object }];
  assert.equal(Object.getPrototypeOf(ack), Object.prototype);
  assert.deepEqual(list[0], Buffer.from([6]));
  assert.deepEqual(Object.getOwnPropertyDescriptor(list[1].prototype, "__proto__")?.value, Buffer.from([5]));
  assertPrototypesClean();
});

test("a polluted-looking placeholder under __proto__ is still checked", () => {
  const decoder = new Decoder();
  expectProtocolError(() => decoder.add(`51-["ev",{"__proto__":${PH(3)}}]`), /out of range/);
  expectProtocolError(() => decoder.add(`51-["ev",{"__proto__":{"_placeholder":true,"num":{"__proto__":0}}}]`), /must be an integer/);
  assertPrototypesClean();
  assertUsable(decoder);
});

test("the encoder copies an own __proto__ key as data, never as a prototype", () => {
  const payload = JSON.parse('{"__proto__":{"polluted":"yes"},"plain":1}') as Record<string, unknown>;
  Object.defineProperty(payload, "__proto__", { value: { file: Buffer.from([9]) }, enumerable: true });
  const chunks = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["ev", payload] });
  assert.equal(chunks[0], `51-["ev",{"__proto__":{"file":${PH(0)}},"plain":1}]`);
  const decoder = new Decoder();
  let got: Packet | undefined;
  decoder.on("decoded", (p) => (got = p));
  for (const chunk of chunks) decoder.add(chunk);
  const back = (got!.data as unknown[])[1] as object;
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, { file: Buffer.from([9]) });
  assertPrototypesClean();
});

test("fuzz: any input sequence either decodes or throws a ProtocolError, and never pollutes", () => {
  const valid = [
    "0",
    '0{"sid":"x"}',
    "0/admin,",
    "1",
    "1/admin,",
    '2["a",1,{"b":[true,null]}]',
    '2/admin,12["a"]',
    "312[]",
    '4{"message":"no"}',
    `51-["a",${PH(0)}]`,
    `52-/admin,3["a",{"x":${PH(1)}},[${PH(0)}]]`,
    `61-4[${PH(0)}]`,
    '2["__proto__",{"__proto__":{"polluted":1}}]',
    `51-["a",{"__proto__":${PH(0)}}]`,
  ];
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(), fc.string({ maxLength: 4 }))
    .map(([s, at, cut, insert]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + insert + s.slice(i + (cut % 3));
    });
  const chunk = fc.oneof(
    fc.constantFrom(...valid),
    mutated,
    fc.string({ maxLength: 30 }),
    fc.uint8Array({ maxLength: 4 }).map((u) => Buffer.from(u)),
    fc.constantFrom<unknown>(null, 7, {}, new ArrayBuffer(2)),
  );
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 12 }), (chunks) => {
      const decoder = new Decoder();
      decoder.on("decoded", (p: Packet) => {
        assert.ok(p.type >= 0 && p.type <= 4, "binary types are emitted as EVENT/ACK");
        assert.equal(typeof p.nsp, "string");
        assert.ok(p.nsp.startsWith("/"));
      });
      for (const c of chunks) {
        try {
          decoder.add(c);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }
      assertPrototypesClean();
    }),
    { numRuns: 2000 },
  );
});
