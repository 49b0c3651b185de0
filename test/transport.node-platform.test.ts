// The Node Platform on its own: HTTP requests (status, body, headers, abort, network errors) and the `ws`
// adapter (text vs binary frames, binaryType, headers, close details, unref).

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";
import { defaultPlatform } from "../src/platform/default";
import { nodePlatform } from "../src/platform/node";
import type { HttpResponse, WebSocketLike } from "../src/platform/platform";

async function httpServer(t: { after(fn: () => unknown): void }, handler: RequestListener) {
  const server = createServer(handler);
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { server, wss, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function call(init: Parameters<typeof nodePlatform.request>[0]): Promise<HttpResponse> {
  return new Promise((resolve, reject) =>
    nodePlatform.request(init, (error, response) => (error ? reject(error) : resolve(response as HttpResponse))),
  );
}

test("the default platform in Node is the Node platform", () => {
  assert.equal(defaultPlatform, nodePlatform);
  assert.equal(nodePlatform.name, "node");
  assert.equal(nodePlatform.defaultBinaryType, "nodebuffer");
  assert.equal(nodePlatform.defaultOrigin(), undefined);
  assert.equal(nodePlatform.hasWebSocket(), true);
  const undo = nodePlatform.onLifecycle({ offline: () => assert.fail("never in Node") });
  undo();
});

test("request: any status with its UTF-8 body; POST bodies and headers reach the server", async (t) => {
  const seen: Array<{ method: string | undefined; length: string | undefined; type?: string; header: string; body: string }> = [];
  const { base } = await httpServer(t, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const type = req.headers["content-type"];
      seen.push({ method: req.method, length: req.headers["content-length"], ...(type ? { type } : {}), header: req.headers["x-test"] as string, body });
      res.writeHead(req.url === "/missing" ? 404 : 200).end(req.url === "/missing" ? "nope" : "héllo ✓");
    });
  });
  assert.deepEqual(await call({ method: "GET", url: `${base}/` }), { status: 200, body: "héllo ✓" });
  assert.deepEqual(await call({ method: "GET", url: `${base}/missing` }), { status: 404, body: "nope" });
  await call({ method: "POST", url: `${base}/`, body: "ééé", extraHeaders: { "X-Test": "yes" } });
  // A text body is labelled as browsers label it, unless the caller set a Content-Type.
  assert.deepEqual(seen.at(-1), { method: "POST", length: "6", type: "text/plain;charset=UTF-8", header: "yes", body: "ééé" });
  await call({ method: "POST", url: `${base}/`, body: "x", extraHeaders: { "content-type": "application/json", "X-Test": "own" } });
  assert.equal(seen.at(-1)?.type, "application/json");
});

test("request: abort() means no callback at all; a refused connection reports an error", async (t) => {
  let serverSideClosed: Promise<unknown> = Promise.resolve();
  let release = (): void => {};
  const arrived = new Promise<void>((resolve) => (release = resolve));
  const { base, server } = await httpServer(t, (req) => {
    serverSideClosed = new Promise((resolve) => req.socket.once("close", resolve));
    release(); // and never answer
  });
  const port = (server.address() as AddressInfo).port;
  let called = false;
  const abort = nodePlatform.request({ method: "GET", url: `${base}/hang` }, () => (called = true));
  await arrived;
  abort();
  abort();
  await serverSideClosed; // the connection is gone on both ends: any late client event has had its turn
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(called, false);

  await new Promise<void>((resolve) => server.close(() => resolve()));
  await assert.rejects(call({ method: "GET", url: `http://127.0.0.1:${port}/` }), /ECONNREFUSED/);
});

function openSocket(url: string, init: Parameters<typeof nodePlatform.createWebSocket>[1] = {}): Promise<WebSocketLike> {
  const ws = nodePlatform.createWebSocket(url, init);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = reject;
  });
}

function nextMessage(ws: WebSocketLike): Promise<unknown> {
  return new Promise((resolve) => {
    ws.onmessage = (event) => resolve(event.data);
  });
}

test("WebSocket: text frames arrive as strings, binary per binaryType; headers and protocols are sent", async (t) => {
  let upgradeRequest: IncomingMessage | undefined;
  const { wss, base } = await httpServer(t, (_req, res) => res.end());
  wss.on("connection", (client: WebSocket, req: IncomingMessage) => {
    upgradeRequest = req;
    client.on("message", (data, isBinary) => client.send(data, { binary: isBinary }));
  });
  const url = base.replace("http:", "ws:");
  const ws = await openSocket(url, { extraHeaders: { "X-Token": "t0k" }, protocols: ["p1"], perMessageDeflate: false });
  assert.equal(upgradeRequest?.headers["x-token"], "t0k");
  assert.equal(upgradeRequest?.headers["sec-websocket-protocol"], "p1");
  assert.equal(ws.readyState, 1);

  ws.binaryType = "nodebuffer";
  ws.send("hé");
  assert.equal(await nextMessage(ws), "hé");
  ws.send(new Uint8Array([1, 2, 3]));
  const buffer = await nextMessage(ws);
  assert.ok(Buffer.isBuffer(buffer));
  ws.binaryType = "arraybuffer";
  assert.equal(ws.binaryType, "arraybuffer");
  ws.send(new Uint8Array([4, 5]));
  const arrayBuffer = await nextMessage(ws);
  assert.ok(arrayBuffer instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(arrayBuffer)], [4, 5]);

  const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = resolve));
  for (const client of wss.clients) client.close(4000, "bye");
  const details = await closed;
  assert.equal(details.code, 4000);
  assert.equal(details.reason, "bye");
});

test("WebSocket: a refused upgrade is an error event followed by a close event", async (t) => {
  const { base, server } = await httpServer(t, (_req, res) => res.end());
  server.removeAllListeners("upgrade");
  server.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
  const ws = nodePlatform.createWebSocket(base.replace("http:", "ws:"), {});
  unrefSafely(ws);
  const events: string[] = [];
  await new Promise<void>((resolve) => {
    ws.onerror = () => events.push("error");
    ws.onclose = () => {
      events.push("close");
      resolve();
    };
  });
  assert.deepEqual(events, ["error", "close"]);
});

/** unref() is safe to call on a socket at any stage. */
function unrefSafely(ws: WebSocketLike): void {
  nodePlatform.unref(ws);
  nodePlatform.unref(undefined);
  nodePlatform.unref({});
}
