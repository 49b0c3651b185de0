// Proves the codec interoperates with socket.io-parser both ways and with a real socket.io server over raw ws.

import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import * as reference from "socket.io-parser";
import { Decoder, Encoder, PacketType, isBinary, type Packet } from "../src/codec/index";
import type { EncodedChunk } from "../src/codec/packet";
import { startServer } from "./helpers/server";

function bytes(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  throw new Error(`not binary: ${String(value)}`);
}

/** Replaces every binary value by its bytes so two decoded payloads compare with deepEqual. */
function normalise(value: unknown): unknown {
  if (isBinary(value)) return { bytes: bytes(value) };
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

function normalisePacket(p: { type: number; nsp: string; data?: unknown; id?: number; attachments?: number }) {
  const out: Record<string, unknown> = { type: p.type, nsp: p.nsp };
  if (p.data !== undefined) out.data = normalise(p.data);
  if (p.id !== undefined) out.id = p.id;
  if (p.attachments !== undefined) out.attachments = p.attachments;
  return out;
}

const buf = Buffer.from([1, 2, 3, 4]);
const f32 = new Float32Array([1.5, -0.25]);
const ab = new Uint8Array([9, 9]).buffer;

/** Packets as a socket layer builds them: binary flavours come from EVENT/ACK with binary inside. */
const packets: Packet[] = [
  { type: PacketType.CONNECT, nsp: "/" },
  { type: PacketType.CONNECT, nsp: "/admin", data: { token: "abc" } },
  { type: PacketType.DISCONNECT, nsp: "/" },
  { type: PacketType.DISCONNECT, nsp: "/admin" },
  { type: PacketType.EVENT, nsp: "/", data: ["hello", 1, { a: [true, null] }] },
  { type: PacketType.EVENT, nsp: "/admin", data: ["hello"], id: 42 },
  { type: PacketType.EVENT, nsp: "/", data: [7] },
  { type: PacketType.ACK, nsp: "/", data: [], id: 0 },
  { type: PacketType.ACK, nsp: "/admin", data: ["ok", { n: 1 }], id: 99 },
  { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized", data: { code: 4 } } },
  { type: PacketType.CONNECT_ERROR, nsp: "/admin", data: "refused" },
  { type: PacketType.EVENT, nsp: "/", data: ["bin", buf] },
  { type: PacketType.EVENT, nsp: "/admin", data: ["bin", { deep: [f32, { ab }] }, buf], id: 3 },
  { type: PacketType.ACK, nsp: "/", data: [buf], id: 5 },
  { type: PacketType.ACK, nsp: "/admin", data: ["x", { list: [buf, ab] }], id: 6 },
];

function expectedAfterDecode(p: Packet): Record<string, unknown> {
  const chunks = new Encoder().encode(p);
  const expected = normalisePacket(p);
  if (chunks.length > 1) expected.attachments = chunks.length - 1;
  return expected;
}

test("our encoder and socket.io-parser's produce the same wire chunks", () => {
  const ours = new Encoder();
  const theirs = new reference.Encoder();
  for (const p of packets) {
    const a = ours.encode(p);
    const b = theirs.encode({ ...p } as reference.Packet) as EncodedChunk[];
    assert.deepEqual(a, b, `same encoding for ${JSON.stringify(normalisePacket(p))}`);
  }
});

test("socket.io-parser decodes what our encoder produces, for every packet type", () => {
  const ours = new Encoder();
  for (const p of packets) {
    const decoder = new reference.Decoder();
    const got: reference.Packet[] = [];
    decoder.on("decoded", (packet: reference.Packet) => got.push(packet));
    for (const chunk of ours.encode(p)) decoder.add(chunk);
    assert.equal(got.length, 1, `one packet for ${JSON.stringify(normalisePacket(p))}`);
    // socket.io-parser deletes `attachments` once the packet is reassembled; ours keeps the count.
    const { attachments: _dropped, ...expected } = expectedAfterDecode(p);
    assert.deepEqual(normalisePacket(got[0]!), expected);
  }
});

test("our decoder decodes what socket.io-parser's encoder produces, for every packet type", () => {
  const theirs = new reference.Encoder();
  for (const p of packets) {
    const decoder = new Decoder();
    const got: Packet[] = [];
    decoder.on("decoded", (packet) => got.push(packet));
    for (const chunk of theirs.encode({ ...p } as reference.Packet)) decoder.add(chunk);
    assert.equal(got.length, 1, `one packet for ${JSON.stringify(normalisePacket(p))}`);
    assert.deepEqual(normalisePacket(got[0]!), expectedAfterDecode(p));
  }
});

test("explicit BINARY_EVENT / BINARY_ACK packets from socket.io-parser decode with ours", () => {
  // socket.io-parser emits binary packets only from EVENT/ACK; hand-built wire text covers the other path.
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (packet) => got.push(packet));
  decoder.add('52-/admin,7["a",{"_placeholder":true,"num":1},{"x":{"_placeholder":true,"num":0}}]');
  decoder.add(Buffer.from([0]));
  decoder.add(Buffer.from([1]));
  decoder.add('61-8[{"_placeholder":true,"num":0}]');
  decoder.add(new Uint8Array([2]).buffer);
  assert.deepEqual(got.map(normalisePacket), [
    { type: PacketType.EVENT, nsp: "/admin", id: 7, attachments: 2, data: ["a", { bytes: [1] }, { x: { bytes: [0] } }] },
    { type: PacketType.ACK, nsp: "/", id: 8, attachments: 1, data: [{ bytes: [2] }] },
  ]);
});

/** Frames received on a raw Engine.IO WebSocket, decoded into Socket.IO packets by our Decoder. */
class RawSession {
  readonly ws: WebSocket;
  readonly packets: Packet[] = [];
  readonly #decoder = new Decoder();
  #open: Record<string, unknown> | undefined;
  #waiters = new Set<() => void>();
  #failure: Error | undefined;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.#decoder.on("decoded", (p) => {
      this.packets.push(p);
      this.#wake();
    });
    this.ws.on("message", (data: Buffer, isBinary: boolean) => {
      try {
        if (isBinary) {
          this.#decoder.add(data);
          return;
        }
        const text = data.toString("utf8");
        const engineType = text.charAt(0);
        if (engineType === "0") this.#open = JSON.parse(text.slice(1)) as Record<string, unknown>;
        else if (engineType === "2") this.ws.send("3"); // answer heartbeats should the test run long
        else if (engineType === "4") this.#decoder.add(text.slice(1));
        else throw new Error(`unexpected Engine.IO packet ${JSON.stringify(text)}`);
        this.#wake();
      } catch (err) {
        this.#failure = err as Error;
        this.#wake();
      }
    });
    this.ws.on("error", (err) => {
      this.#failure = err;
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /** Resolves with the first value `pick` returns, rejecting on a decode/socket error or after a generous bound. */
  until<T>(what: string, pick: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        if (this.#failure !== undefined) return finish(() => reject(this.#failure));
        const value = pick();
        if (value !== undefined) finish(() => resolve(value));
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), 10_000);
      this.#waiters.add(check);
      check();
    });
  }

  handshake(): Promise<Record<string, unknown>> {
    return this.until("the Engine.IO open packet", () => this.#open);
  }

  packet(what: string, match: (p: Packet) => boolean): Promise<Packet> {
    return this.until(what, () => this.packets.find(match));
  }

  /** One Socket.IO packet as Engine.IO messages: the text as "4"+text, each attachment as a binary frame. */
  send(packet: Packet, encoder = new Encoder()): void {
    const [head, ...attachments] = encoder.encode(packet);
    this.ws.send(`4${head as string}`);
    for (const attachment of attachments) this.ws.send(attachment as ArrayBuffer | ArrayBufferView, { binary: true });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

test("a real socket.io server understands our binary packets and our decoder understands its replies", async (t) => {
  const server = await startServer(t);
  const received: unknown[][] = [];
  server.io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop() as (...reply: unknown[]) => void;
      received.push(args);
      ack("echoed", ...args);
    });
  });
  server.io.of("/admin").on("connection", (socket) => {
    socket.on("send-me-binary", () => {
      socket.emit("binary", { image: Buffer.from([0xff, 0xd8, 0xff]), parts: [Buffer.from("a"), "text"] }, 12);
    });
  });

  const session = new RawSession(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  t.after(() => session.close());
  const open = await session.handshake();
  assert.equal(typeof open.sid, "string");

  session.send({ type: PacketType.CONNECT, nsp: "/" });
  const connected = await session.packet("CONNECT on /", (p) => p.type === PacketType.CONNECT && p.nsp === "/");
  assert.equal(typeof (connected.data as { sid?: unknown }).sid, "string");
  session.send({ type: PacketType.CONNECT, nsp: "/admin" });
  await session.packet("CONNECT on /admin", (p) => p.type === PacketType.CONNECT && p.nsp === "/admin");

  const payload = {
    file: Buffer.from("hello world"),
    nested: [new Uint8Array([1, 2, 3]), { f32: new Float32Array([3.5]), view: new DataView(new Uint8Array([7, 8]).buffer) }],
    raw: new Uint8Array([4, 5, 6]).buffer,
    when: new Date(0),
  };
  session.send({ type: PacketType.EVENT, nsp: "/", id: 1, data: ["echo", "plain text", payload] });
  const ack = await session.packet("the echo ack", (p) => p.type === PacketType.ACK && p.id === 1);

  const expectedPayload = {
    file: { bytes: bytes(payload.file) },
    nested: [{ bytes: [1, 2, 3] }, { f32: { bytes: bytes(new Float32Array([3.5])) }, view: { bytes: [7, 8] } }],
    raw: { bytes: [4, 5, 6] },
    when: "1970-01-01T00:00:00.000Z",
  };
  // The server reconstructed exactly what we sent...
  assert.equal(received.length, 1);
  assert.deepEqual(normalise(received[0]), ["plain text", expectedPayload]);
  // ...and its BINARY_ACK came back through our decoder intact.
  assert.equal(ack.nsp, "/");
  assert.equal(ack.attachments, 5);
  assert.deepEqual(normalise(ack.data), ["echoed", "plain text", expectedPayload]);

  // A BINARY_EVENT initiated by the server, on a custom namespace.
  session.send({ type: PacketType.EVENT, nsp: "/admin", data: ["send-me-binary"] });
  const event = await session.packet("the server's binary event", (p) => p.type === PacketType.EVENT && p.nsp === "/admin");
  assert.equal(event.attachments, 2);
  assert.deepEqual(normalise(event.data), [
    "binary",
    { image: { bytes: [0xff, 0xd8, 0xff] }, parts: [{ bytes: [0x61] }, "text"] },
    12,
  ]);

  session.send({ type: PacketType.DISCONNECT, nsp: "/admin" });
  session.send({ type: PacketType.DISCONNECT, nsp: "/" });
  await session.close();
});
