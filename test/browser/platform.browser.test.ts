// Proves the browser Platform is safe to import where there is no DOM (server-side rendering) and checks the
// parts Node can run for real: the fetch request path (Node has fetch but no XMLHttpRequest, like a service
// worker), lifecycle hooks on an EventTarget global, and the clear error when WebSocket is missing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isSioError, SioError, TransportError } from "../../src/errors";
import type { HttpResponse } from "../../src/platform/platform";
import { browserPlatform, defaultPlatform } from "../../src/platform/browser";
import { root } from "./harness";

interface Teardown {
  after(fn: () => unknown): void;
}

/** An HTTP server that records each request and answers with what `reply` returns. */
async function httpServer(
  t: Teardown,
  reply: (req: IncomingMessage, body: string) => { status: number; body: string; chunked?: true } | "hang" | "destroy",
) {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const answer = reply(req, body);
      if (answer === "hang") return;
      if (answer === "destroy") return void req.socket.destroy();
      if (answer.chunked) {
        // No Content-Length: the client can only find the size by counting what arrives.
        res.writeHead(answer.status, { "content-type": "text/plain; charset=UTF-8" });
        res.write(answer.body);
        return void res.end();
      }
      res
        .writeHead(answer.status, {
          "content-type": "text/plain; charset=UTF-8",
          "content-length": Buffer.byteLength(answer.body),
        })
        .end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function requestOnce(init: Parameters<typeof browserPlatform.request>[0]) {
  return new Promise<{ error: Error | null; response: HttpResponse | undefined }>((resolve) => {
    browserPlatform.request(init, (error, response) => resolve({ error, response }));
  });
}

test("the module exports the browser platform as defaultPlatform and reads no DOM global at import", () => {
  assert.equal(defaultPlatform, browserPlatform);
  assert.equal(typeof (globalThis as { window?: unknown }).window, "undefined");
  assert.equal(browserPlatform.name, "browser");
  assert.equal(browserPlatform.defaultBinaryType, "arraybuffer");
  // No `location` here: there is no origin to default to.
  assert.equal(browserPlatform.defaultOrigin(), undefined);
});

test("dist/browser/index.mjs imports under Node without a DOM (server-side rendering)", async () => {
  const file = join(root, "dist/browser/index.mjs");
  assert.ok(existsSync(file), "dist/browser/index.mjs is missing: run `npx rollup -c` first");
  const api = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  assert.equal(typeof api.io, "function");
  assert.equal(api.default, api.io);
  assert.equal(typeof api.Manager, "function");
});

test("defaultOrigin() follows location.origin and ignores opaque origins", (t) => {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "location");
  t.after(() => {
    if (descriptor) Object.defineProperty(globalThis, "location", descriptor);
    else delete (globalThis as { location?: unknown }).location;
  });
  Object.defineProperty(globalThis, "location", { value: { origin: "https://chat.example:8443" }, configurable: true });
  assert.equal(browserPlatform.defaultOrigin(), "https://chat.example:8443");
  Object.defineProperty(globalThis, "location", { value: { origin: "null" }, configurable: true });
  assert.equal(browserPlatform.defaultOrigin(), undefined);
});

test("without XMLHttpRequest, requests go through fetch: GET and POST with headers, any status", async (t) => {
  assert.equal(typeof (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest, "undefined");
  const server = await httpServer(t, (req, body) =>
    req.method === "POST" ? { status: 200, body: "ok" } : { status: req.url === "/missing" ? 404 : 200, body: `4héllo${body}` },
  );

  const get = await requestOnce({ method: "GET", url: `${server.url}/poll?EIO=4`, extraHeaders: { "x-token": "abc" } });
  assert.equal(get.error, null);
  assert.deepEqual(get.response, { status: 200, body: "4héllo" });

  const post = await requestOnce({ method: "POST", url: `${server.url}/poll`, body: "4payload\u001e4more" });
  assert.deepEqual(post.response, { status: 200, body: "ok" });

  const missing = await requestOnce({ method: "GET", url: `${server.url}/missing` });
  assert.equal(missing.error, null);
  assert.equal(missing.response?.status, 404);

  assert.equal(server.seen[0]!.headers["x-token"], "abc");
  assert.equal(server.seen[1]!.method, "POST");
  assert.equal(server.seen[1]!.body, "4payload\u001e4more");
});

test("a network failure reaches the callback as a TransportError, exactly once", async (t) => {
  const server = await httpServer(t, () => "destroy");
  let calls = 0;
  const { error, response } = await new Promise<{ error: Error | null; response: HttpResponse | undefined }>(
    (resolve) =>
      browserPlatform.request({ method: "GET", url: `${server.url}/poll` }, (err, res) => {
        calls++;
        resolve({ error: err, response: res });
      }),
  );
  assert.ok(error instanceof TransportError);
  assert.ok(isSioError(error));
  assert.match(error.message, /GET http:\/\/127\.0\.0\.1:\d+\/poll failed/);
  assert.equal(response, undefined);
  assert.equal(calls, 1);
});

test("abort() stops a pending request and its callback never runs", async (t) => {
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const server = await httpServer(t, (req) => {
    if (req.url !== "/hang") return { status: 200, body: "later" };
    arrived();
    return "hang";
  });
  let called = false;
  const abort = browserPlatform.request({ method: "GET", url: `${server.url}/hang` }, () => (called = true));
  await requestArrived;
  abort();
  abort(); // twice is harmless
  // A later request completing means the aborted one has long settled inside fetch: its callback stayed silent.
  const later = await requestOnce({ method: "GET", url: `${server.url}/later` });
  assert.equal(later.response?.body, "later");
  assert.equal(called, false);
});

test("a body announced over maxReceiveSize is refused from its Content-Length, and the connection dropped", async (t) => {
  let closed!: () => void;
  const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
  const server = await httpServer(t, (req) => {
    req.socket.once("close", () => closed());
    return { status: 200, body: "x".repeat(5000) };
  });
  const { error, response } = await requestOnce({ method: "GET", url: `${server.url}/poll`, maxReceiveSize: 1000 });
  assert.ok(error instanceof TransportError);
  assert.equal(error.code, "ERR_TRANSPORT");
  assert.match(error.message, /polling response \(Content-Length 5000\) exceeded maxReceiveSize \(1000 bytes\)/);
  assert.deepEqual(error.context, { limit: 1000 });
  assert.equal(response, undefined);
  await connectionClosed;
});

/** Serves an endless chunked body (no Content-Length) and reports how many bytes went out before the client left. */
async function endlessServer(t: Teardown) {
  let done!: (bytes: number) => void;
  const stopped = new Promise<number>((resolve) => (done = resolve));
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" });
    const chunk = "y".repeat(4096);
    let sent = 0;
    const pump = (): void => {
      while (!res.destroyed && !res.writableEnded) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
    };
    res.once("close", () => done(sent));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stopped };
}

test("an endless body is cut off once it passes maxReceiveSize, without waiting for its end", async (t) => {
  const server = await endlessServer(t);
  const limit = 64 * 1024;
  const { error } = await requestOnce({ method: "GET", url: `${server.url}/poll`, maxReceiveSize: limit });
  assert.ok(error instanceof TransportError);
  assert.match(error.message, /polling response \(\d+ bytes and counting\) exceeded maxReceiveSize \(65536 bytes\)/);
  // The server noticed the client leave: the download was aborted, not left running in the background.
  const sent = await server.stopped;
  assert.ok(sent < 64 * limit, `the server wrote ${sent} bytes before the client stopped it`);
});

test("maxReceiveSize counts UTF-8 bytes, not characters, and a body at the limit is accepted", async (t) => {
  const server = await httpServer(t, (req) => ({
    status: 200,
    body: req.url === "/over" ? "é".repeat(600) : "é".repeat(500),
    chunked: true,
  }));
  const over = await requestOnce({ method: "GET", url: `${server.url}/over`, maxReceiveSize: 1000 });
  assert.ok(over.error instanceof TransportError, "600 × é is 1200 bytes: over a 1000-byte limit");
  assert.match(over.error.message, /\(1200 bytes and counting\)/);
  const at = await requestOnce({ method: "GET", url: `${server.url}/at`, maxReceiveSize: 1000 });
  assert.equal(at.error, null);
  assert.equal(at.response?.body, "é".repeat(500));
});

test("onLifecycle registers on an EventTarget global and the undo removes every listener", (t) => {
  const target = new EventTarget();
  const scope = globalThis as unknown as Partial<EventTarget>;
  const before = { add: scope.addEventListener, remove: scope.removeEventListener };
  scope.addEventListener = target.addEventListener.bind(target);
  scope.removeEventListener = target.removeEventListener.bind(target);
  t.after(() => {
    if (before.add) scope.addEventListener = before.add;
    else delete scope.addEventListener;
    if (before.remove) scope.removeEventListener = before.remove;
    else delete scope.removeEventListener;
  });

  const fired: string[] = [];
  const undo = browserPlatform.onLifecycle({
    // Each hook hears its event's type (the session's close description in production builds).
    offline: (type) => fired.push(type),
    beforeunload: (type) => fired.push(type),
  });
  target.dispatchEvent(new Event("offline"));
  target.dispatchEvent(new Event("online")); // no hook given: nothing registered
  target.dispatchEvent(new Event("beforeunload"));
  assert.deepEqual(fired, ["offline", "beforeunload"]);

  undo();
  undo();
  target.dispatchEvent(new Event("offline"));
  assert.deepEqual(fired, ["offline", "beforeunload"]);
});

test("onLifecycle without addEventListener (Node, SSR) is a no-op returning a no-op", () => {
  assert.equal(typeof (globalThis as { addEventListener?: unknown }).addEventListener, "undefined");
  const undo = browserPlatform.onLifecycle({ offline: () => assert.fail("must not be called") });
  assert.equal(typeof undo, "function");
  undo();
});

test("createWebSocket without a global WebSocket throws a SioError that says what to do", (t) => {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
  t.after(() => {
    if (descriptor) Object.defineProperty(globalThis, "WebSocket", descriptor);
  });
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
  assert.equal(browserPlatform.hasWebSocket(), false);
  assert.throws(
    () => browserPlatform.createWebSocket("ws://127.0.0.1:1/socket.io/", {}),
    (err: unknown) =>
      err instanceof SioError && err.code === "ERR_INVALID_STATE" && /no global WebSocket/.test(err.message) &&
      /polling/.test(err.message),
  );
});

test("createWebSocket passes the URL and protocols to the global WebSocket", (t) => {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
  t.after(() => {
    if (descriptor) Object.defineProperty(globalThis, "WebSocket", descriptor);
    else delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });
  const made: unknown[][] = [];
  class RecordingWebSocket {
    constructor(...args: unknown[]) {
      made.push(args);
    }
  }
  Object.defineProperty(globalThis, "WebSocket", { value: RecordingWebSocket, configurable: true, writable: true });
  assert.equal(browserPlatform.hasWebSocket(), true);
  assert.ok(browserPlatform.createWebSocket("ws://a/", {}) instanceof RecordingWebSocket);
  browserPlatform.createWebSocket("ws://b/", { protocols: ["v1"], extraHeaders: { ignored: "in browsers" } });
  // No protocols: passed as undefined, which WebSocket treats as not given.
  assert.deepEqual(made, [["ws://a/", undefined], ["ws://b/", ["v1"]]]);
});

test("nextTick runs after the current stack and before timers", async () => {
  const order: string[] = [];
  const timer = new Promise<void>((resolve) => setTimeout(() => (order.push("timer"), resolve()), 0));
  browserPlatform.nextTick(() => order.push("tick"));
  order.push("sync");
  await timer;
  assert.deepEqual(order, ["sync", "tick", "timer"]);
  browserPlatform.unref(setTimeout(() => {}, 0)); // a no-op in browsers; must not throw
});
