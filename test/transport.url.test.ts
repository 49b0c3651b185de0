// Transport URLs: scheme per transport and security, host (IPv6 too), port, path and trailing slash, query
// encoding, EIO=4, transport name, sid, and the cache-busting parameter on polling only.

import assert from "node:assert/strict";
import { test } from "node:test";
import { EngineSession } from "../src/engine/session";
import { globalTimers } from "../src/internal/timers";
import { nodePlatform } from "../src/platform/node";
import { PollingTransport } from "../src/transports/polling";
import type { TransportOptions } from "../src/transports/transport";
import { WebSocketTransport } from "../src/transports/websocket";

function options(overrides: Partial<TransportOptions> = {}): TransportOptions {
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
    platform: nodePlatform,
    timers: globalTimers,
    binaryType: () => "nodebuffer",
    maxPayload: () => 0,
    ...overrides,
  };
}

test("WebSocket URLs use ws/wss, keep the port and never carry a cache-busting parameter", () => {
  assert.equal(new WebSocketTransport(options()).url(), "ws://example.test/engine.io/?EIO=4&transport=websocket");
  assert.equal(
    new WebSocketTransport(options({ secure: true, port: "8443", path: "/socket.io" })).url(),
    "wss://example.test:8443/socket.io/?EIO=4&transport=websocket",
  );
});

test("polling URLs use http/https and add a unique t (or the configured name) unless disabled", () => {
  const polling = new PollingTransport(options({ timestampParam: "cb" }));
  const first = new URL(polling.url());
  const second = new URL(polling.url());
  assert.equal(first.protocol, "http:");
  assert.equal(first.pathname, "/engine.io/");
  assert.ok(first.searchParams.get("cb"));
  assert.notEqual(first.searchParams.get("cb"), second.searchParams.get("cb"));
  assert.equal(new URL(new PollingTransport(options({ secure: true })).url()).protocol, "https:");
  assert.equal(
    new PollingTransport(options({ timestampRequests: false })).url(),
    "http://example.test/engine.io/?EIO=4&transport=polling",
  );
});

test("paths: addTrailingSlash false keeps the path as given; slashes are normalised", () => {
  const ws = (path: string, addTrailingSlash = true) => new URL(new WebSocketTransport(options({ path, addTrailingSlash })).url()).pathname;
  assert.equal(ws("/socket.io", false), "/socket.io");
  assert.equal(ws("/socket.io/", false), "/socket.io");
  assert.equal(ws("socket.io"), "/socket.io/");
  assert.equal(ws("/a/b///"), "/a/b/");
  assert.equal(ws("/", false), "/");
});

test("IPv6 hosts are bracketed once; query values are encoded; sid appears once known", () => {
  const transport = new WebSocketTransport(
    options({ hostname: "[::1]", port: "3000", query: { token: "a b&c=d", "x y": "1", sid: "spoofed" } }),
  );
  assert.equal(
    transport.url(),
    "ws://[::1]:3000/engine.io/?token=a%20b%26c%3Dd&x%20y=1&EIO=4&transport=websocket",
    "a sid from the user query is never sent before the handshake",
  );
  transport.sid = "s1d";
  assert.equal(new URL(transport.url()).searchParams.get("sid"), "s1d");
  // The session passes URL.hostname, which keeps an IPv6 address in brackets.
  const session = new EngineSession("http://[::1]:3000", { transports: ["websocket"] });
  assert.equal(new URL((session.transport as WebSocketTransport).url()).hostname, "[::1]");
});
