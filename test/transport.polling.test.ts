// The polling transport driven through a scripted Platform: one GET and one POST in flight at most, POST bodies
// cut at maxPayload (in UTF-8 bytes), pause/resume for upgrades, HTTP errors, server close packets, close().

import assert from "node:assert/strict";
import { test } from "node:test";
import { decodePayload } from "engine.io-parser";
import fc from "fast-check";
import type { CloseDetails, EnginePacket } from "../src/engine/types";
import { TransportError } from "../src/errors";
import { globalTimers } from "../src/internal/timers";
import type { HttpCallback, HttpRequestInit, Platform } from "../src/platform/platform";
import { cutPayloads, PollingTransport, utf8Length } from "../src/transports/polling";
import type { TransportOptions } from "../src/transports/transport";

interface PendingRequest {
  init: HttpRequestInit;
  respond(status: number, body?: string): void;
  fail(error: Error): void;
  aborted: boolean;
  settled: boolean;
}

function scriptedPlatform(): { platform: Platform; requests: PendingRequest[]; inFlight(method: "GET" | "POST"): PendingRequest[] } {
  const requests: PendingRequest[] = [];
  const platform: Platform = {
    name: "node",
    defaultBinaryType: "nodebuffer",
    defaultOrigin: () => undefined,
    hasWebSocket: () => false,
    createWebSocket: () => {
      throw new Error("no WebSocket in this test");
    },
    request(init: HttpRequestInit, callback: HttpCallback) {
      const request: PendingRequest = {
        init,
        aborted: false,
        settled: false,
        respond(status, body = "") {
          assert.equal(request.settled || request.aborted, false, "a request is answered once");
          request.settled = true;
          callback(null, { status, body });
        },
        fail(error) {
          request.settled = true;
          callback(error);
        },
      };
      requests.push(request);
      return () => {
        request.aborted = true;
      };
    },
    nextTick: (fn) => queueMicrotask(fn),
    onLifecycle: () => () => {},
    unref: () => {},
  };
  const inFlight = (method: "GET" | "POST") =>
    requests.filter((r) => r.init.method === method && !r.settled && !r.aborted);
  return { platform, requests, inFlight };
}

function options(platform: Platform): TransportOptions {
  return {
    secure: false,
    hostname: "example.test",
    port: "",
    path: "/engine.io",
    addTrailingSlash: true,
    query: {},
    timestampRequests: true,
    timestampParam: "t",
    forceBase64: false,
    withCredentials: false,
    autoUnref: false,
    platform,
    timers: globalTimers,
  };
}

const OPEN = '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":60}';

/** Opens a transport through its first GET and returns it with its event log. */
function openTransport(maxPayload = 60) {
  const scripted = scriptedPlatform();
  const transport = new PollingTransport(options(scripted.platform));
  const log: string[] = [];
  const packets: EnginePacket[] = [];
  const errors: TransportError[] = [];
  const closes: CloseDetails[] = [];
  // What a session gives its transport (the session is the sink): the packets, the drain, the close, the limit.
  transport.sink = {
    binaryType: "nodebuffer",
    maxPayload: () => maxPayload,
    onTransportOpen: () => log.push("open"),
    onTransportPacket(packet) {
      packets.push(packet);
      if (packet.type === "open") transport.sid = "abc";
    },
    onTransportDrain: () => log.push("drain"),
    onTransportError: (error) => errors.push(error),
    onTransportClose: (details) => closes.push(details),
  };
  transport.open();
  assert.equal(scripted.inFlight("GET").length, 1);
  assert.equal(new URL(scripted.requests[0].init.url).searchParams.get("sid"), null);
  scripted.requests[0].respond(200, OPEN);
  assert.equal(transport.state, "open");
  return { ...scripted, transport, log, packets, errors, closes };
}

test("utf8Length matches Buffer.byteLength for any string", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (text) => utf8Length(text) === Buffer.byteLength(text, "utf8")),
  );
  assert.equal(utf8Length("\ud800"), 3, "a lone surrogate counts as U+FFFD");
  assert.equal(utf8Length("😀é"), 6);
});

test("cutPayloads keeps order, stays within maxPayload bytes, and sends an oversized record alone", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: "binary", maxLength: 40 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 120 }),
      (records, max) => {
        const bodies = cutPayloads(records, max);
        assert.equal(bodies.join("\x1e"), records.join("\x1e"));
        let used = 0;
        for (const body of bodies) {
          const count = body.split("\x1e").length;
          if (count > 1) assert.ok(utf8Length(body) <= max, `body of ${utf8Length(body)} bytes > ${max}`);
          used += count;
        }
        assert.equal(used, records.length);
      },
    ),
  );
  assert.deepEqual(cutPayloads(["4aa", "4bb"], 0), ["4aa\x1e4bb"], "no known limit: one body");
  assert.deepEqual(cutPayloads(["4" + "x".repeat(10), "4a"], 5), ["4xxxxxxxxxx", "4a"]);
});

test("one GET in flight at a time; the sid and a fresh t are on every request after the handshake", async () => {
  const { transport, requests, inFlight, packets, log } = openTransport();
  assert.deepEqual(log, ["open"]);
  assert.equal(packets[0].type, "open");
  assert.equal(inFlight("GET").length, 1);
  const second = inFlight("GET")[0];
  assert.equal(new URL(second.init.url).searchParams.get("sid"), "abc");
  second.respond(200, "4one\x1e4two\x1e6");
  assert.deepEqual(
    packets.slice(1).map((p) => [p.type, p.data]),
    [["message", "one"], ["message", "two"], ["noop", undefined]],
  );
  assert.equal(inFlight("GET").length, 1, "the next poll starts when the previous one ends");
  const stamps = requests.map((r) => new URL(r.init.url).searchParams.get("t"));
  assert.equal(new Set(stamps).size, stamps.length);
  transport.close();
});

test("one POST in flight at a time, bodies cut at maxPayload, drain once at the end", async () => {
  const { transport, inFlight, log } = openTransport(60);
  const packets: EnginePacket[] = Array.from({ length: 12 }, (_, i) => ({ type: "message", data: `msg-${i}-ééééé` }));
  transport.send(packets);
  assert.equal(transport.writable, false);
  await Promise.resolve(); // encoding callbacks
  const bodies: string[] = [];
  while (inFlight("POST").length > 0) {
    assert.equal(inFlight("POST").length, 1, "never two POSTs at once");
    const post = inFlight("POST")[0];
    bodies.push(post.init.body ?? "");
    assert.ok(!log.includes("drain"), "no drain before the last body");
    post.respond(200, "ok");
  }
  assert.ok(bodies.length > 1);
  for (const body of bodies) assert.ok(Buffer.byteLength(body) <= 60, `body of ${Buffer.byteLength(body)} bytes`);
  const sent = bodies.flatMap((body) => decodePayload(body)).map((p) => p.data);
  assert.deepEqual(sent, packets.map((p) => p.data));
  assert.deepEqual(log, ["open", "drain"]);
  assert.equal(transport.writable, true);
  transport.close();
});

test("binary goes as base64 records over polling and comes back as binary", async () => {
  const { transport, inFlight, packets } = openTransport();
  transport.send([{ type: "message", data: new Uint8Array([1, 2, 3]) }]);
  await Promise.resolve();
  assert.equal(inFlight("POST")[0].init.body, "bAQID");
  inFlight("POST")[0].respond(200, "ok");
  inFlight("GET")[0].respond(200, "bBAUG");
  const last = packets.at(-1);
  assert.equal(last?.type, "message");
  assert.deepEqual([...(last?.data as Buffer)], [4, 5, 6]);
  transport.close();
});

test("pause() waits for the in-flight GET and POST, resume() starts polling again", async () => {
  const { transport, inFlight } = openTransport();
  transport.send([{ type: "message", data: "last words" }]);
  await Promise.resolve();
  let paused = 0;
  transport.pause(() => paused++);
  assert.equal(transport.state, "pausing");
  inFlight("POST")[0].respond(200, "ok");
  assert.equal(paused, 0, "the GET is still in flight");
  inFlight("GET")[0].respond(200, "6");
  assert.equal(paused, 1);
  assert.equal(transport.state, "paused");
  assert.equal(inFlight("GET").length, 0, "no new poll once paused");
  transport.resume();
  assert.equal(transport.state, "open");
  assert.equal(inFlight("GET").length, 1);
  transport.close();
});

test("a non-200 poll or post fails the transport with the status as description", async () => {
  const poll = openTransport();
  poll.inFlight("GET")[0].respond(400, "Session ID unknown");
  assert.equal(poll.errors.length, 1);
  assert.equal(poll.errors[0].message, "xhr poll error");
  assert.equal(poll.errors[0].description, 400);
  assert.equal(poll.transport.state, "closed");
  assert.equal(poll.inFlight("GET").length + poll.inFlight("POST").length, 0, "nothing left in flight");

  const post = openTransport();
  post.transport.send([{ type: "message", data: "x" }]);
  await Promise.resolve();
  post.inFlight("POST")[0].respond(413);
  assert.equal(post.errors[0].message, "xhr post error");
  assert.equal(post.errors[0].description, 413);
  assert.equal(post.inFlight("GET").length, 0, "the pending poll was aborted");

  const network = openTransport();
  const cause = new Error("ECONNRESET");
  network.inFlight("GET")[0].fail(cause);
  assert.equal(network.errors[0].description, cause);
  assert.equal(network.errors[0].cause, cause);
});

test("a close packet from the server closes the transport; packets before it are delivered", () => {
  const { transport, inFlight, packets, closes } = openTransport();
  inFlight("GET")[0].respond(200, "4bye\x1e1\x1e4never");
  assert.deepEqual(packets.slice(1).map((p) => p.data), ["bye"]);
  assert.equal(closes.length, 1);
  assert.equal(transport.state, "closed");
  assert.equal(inFlight("GET").length, 0);
});

test("close() sends a close packet, then releases the pending poll; nothing is emitted", () => {
  const { transport, inFlight, closes, errors, requests } = openTransport();
  const poll = inFlight("GET")[0];
  transport.close();
  const closePost = inFlight("POST")[0];
  assert.equal(closePost.init.body, "1");
  assert.equal(poll.aborted, false, "the server answers the poll when it handles the close packet");
  closePost.respond(200, "ok");
  assert.equal(poll.aborted, true);
  transport.close();
  assert.equal(requests.length, 3, "a second close does nothing");
  assert.deepEqual(closes, []);
  assert.deepEqual(errors, []);
});

test("close() before the handshake only aborts the handshake request", () => {
  const { platform, requests } = scriptedPlatform();
  const transport = new PollingTransport(options(platform));
  transport.open();
  transport.close();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].aborted, true);
});
