// The open packet is validated: malformed handshakes from a (fake) server close the session with "parse error"
// and a ProtocolError ERR_HANDSHAKE, over WebSocket and polling alike, and never crash the process.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseHandshake, MAX_HEARTBEAT_MS } from "../src/engine/handshake";
import { EngineSession } from "../src/engine/session";
import type { EngineCloseReason, HandshakeData } from "../src/engine/types";
import { ProtocolError, SioError } from "../src/errors";
import { defaultHandshake, openPacket, startFakeEngine, sessionOnce } from "./helpers/fake-engine";
import { once } from "./helpers/wait";

const valid = JSON.stringify(defaultHandshake);

/** Raw open-packet payloads (after the "0") that must be refused, with what makes them wrong. */
const malformed: Array<[string, string]> = [
  ["invalid JSON", "{sid:"],
  ["JSON null", "null"],
  ["a JSON array", "[1,2]"],
  ["a JSON string", '"sid"'],
  ["missing sid", JSON.stringify({ ...defaultHandshake, sid: undefined })],
  ["empty sid", JSON.stringify({ ...defaultHandshake, sid: "" })],
  ["numeric sid", JSON.stringify({ ...defaultHandshake, sid: 12 })],
  ["missing upgrades", JSON.stringify({ ...defaultHandshake, upgrades: undefined })],
  ["upgrades not an array", JSON.stringify({ ...defaultHandshake, upgrades: "websocket" })],
  ["missing pingInterval", JSON.stringify({ ...defaultHandshake, pingInterval: undefined })],
  ["negative pingInterval", JSON.stringify({ ...defaultHandshake, pingInterval: -1 })],
  ["zero pingTimeout", JSON.stringify({ ...defaultHandshake, pingTimeout: 0 })],
  ["string pingTimeout", JSON.stringify({ ...defaultHandshake, pingTimeout: "20000" })],
  ["pingInterval over a day", JSON.stringify({ ...defaultHandshake, pingInterval: MAX_HEARTBEAT_MS + 1 })],
  ["absurd pingTimeout", JSON.stringify({ ...defaultHandshake, pingTimeout: 1e300 })],
  ["negative maxPayload", JSON.stringify({ ...defaultHandshake, maxPayload: -5 })],
  ["fractional maxPayload", JSON.stringify({ ...defaultHandshake, maxPayload: 1.5 })],
];

function isHandshakeError(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === "ERR_HANDSHAKE";
}

test("parseHandshake accepts a valid open packet and drops unknown upgrade names", () => {
  const data = parseHandshake(JSON.stringify({ ...defaultHandshake, upgrades: ["carrier-pigeon", "websocket", 7, "webtransport", "websocket"], extra: true }));
  assert.deepEqual(data, { ...defaultHandshake, upgrades: ["websocket", "webtransport"] });
  assert.deepEqual(parseHandshake(valid), defaultHandshake);
});

test("parseHandshake accepts a missing maxPayload (servers before socket.io 4.5, python-socketio) as 0 = no limit", () => {
  const data = parseHandshake(JSON.stringify({ ...defaultHandshake, maxPayload: undefined }));
  assert.equal(data.maxPayload, 0);
});

test("parseHandshake refuses every malformed open packet with ERR_HANDSHAKE", () => {
  for (const [what, payload] of malformed) {
    assert.throws(() => parseHandshake(payload), isHandshakeError, what);
  }
  assert.throws(() => parseHandshake(undefined), isHandshakeError, "no data");
  assert.throws(() => parseHandshake(new Uint8Array([1]) as unknown as string), isHandshakeError, "binary data");
});

async function closeReasonFor(uri: string, transports: ["websocket"] | ["polling"]): Promise<{ reason: EngineCloseReason; errors: unknown[]; closes: number }> {
  const session = new EngineSession(uri, { transports });
  const errors: unknown[] = [];
  let closes = 0;
  let opened = false;
  session.on("error", (error) => errors.push(error));
  session.on("close", () => closes++);
  session.on("open", () => (opened = true));
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason] = await closed;
  assert.equal(opened, false, "a malformed handshake never opens the session");
  assert.equal(session.readyState, "closed");
  return { reason, errors, closes };
}

test("malformed handshakes over WebSocket close with \"parse error\" and a ProtocolError", async (t) => {
  let payload = "";
  const fake = await startFakeEngine(t, { onWebSocket: (ws) => ws.send(`0${payload}`) });
  for (const [what, data] of malformed) {
    payload = data;
    const { reason, errors, closes } = await closeReasonFor(fake.url, ["websocket"]);
    assert.equal(reason, "parse error", what);
    assert.equal(errors.length, 1, what);
    assert.ok(isHandshakeError(errors[0]), what);
    assert.equal(closes, 1, what);
  }
});

test("malformed handshakes over polling close with \"parse error\" and a ProtocolError", async (t) => {
  let payload = "";
  const fake = await startFakeEngine(t, {
    onHttp: (_req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(`0${payload}`),
  });
  for (const [what, data] of malformed) {
    payload = data;
    const { reason, errors } = await closeReasonFor(fake.url, ["polling"]);
    assert.equal(reason, "parse error", what);
    assert.ok(isHandshakeError(errors[0]), what);
  }
});

test("a first packet that is not an open packet is a handshake error", async (t) => {
  const fake = await startFakeEngine(t, { onWebSocket: (ws) => ws.send("4hello") });
  const { reason, errors } = await closeReasonFor(fake.url, ["websocket"]);
  assert.equal(reason, "parse error");
  assert.ok(isHandshakeError(errors[0]));
  assert.match((errors[0] as Error).message, /expected an open packet first, got "message"/);
});

test("an undecodable packet after the handshake closes with \"parse error\" (ERR_PROTOCOL)", async (t) => {
  const fake = await startFakeEngine(t, {
    onWebSocket(ws) {
      ws.send(openPacket());
      ws.send("9garbage");
    },
  });
  const session = new EngineSession(fake.url, { transports: ["websocket"] });
  const errors: unknown[] = [];
  session.on("error", (error) => errors.push(error));
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason] = await closed;
  assert.equal(reason, "parse error");
  assert.ok(errors[0] instanceof SioError && errors[0].code === "ERR_PROTOCOL");
});

test("an undecodable polling payload closes with \"parse error\"", async (t) => {
  let polls = 0;
  const fake = await startFakeEngine(t, {
    onHttp(_req, res) {
      polls++;
      res.writeHead(200).end(polls === 1 ? openPacket() : "4ok\x1ezzz");
    },
  });
  const session = new EngineSession(fake.url, { transports: ["polling"] });
  const messages: unknown[] = [];
  session.on("message", (data) => messages.push(data));
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason] = await closed;
  assert.equal(reason, "parse error");
  assert.deepEqual(messages, ["ok"], "the packets before the bad one were delivered");
});

test("the handshake event carries the validated data, with unknown upgrades dropped", async (t) => {
  const fake = await startFakeEngine(t, {
    onWebSocket: (ws) => ws.send(openPacket({ upgrades: ["carrier-pigeon", "polling"], pingInterval: 300, pingTimeout: 400 })),
  });
  const session = new EngineSession(fake.url, { transports: ["websocket"] });
  t.after(() => session.close());
  const handshake = sessionOnce(session, "handshake");
  session.open();
  const [data] = await handshake;
  assert.deepEqual(data, { ...defaultHandshake, upgrades: ["polling"], pingInterval: 300, pingTimeout: 400 });
  assert.equal(session.id, defaultHandshake.sid);
});
