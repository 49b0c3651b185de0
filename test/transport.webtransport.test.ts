// The WebTransport transport outside browsers: in Node, which has no WebTransport, "webtransport" is skipped
// when other transports are listed and fails with a clear error when it is the only one; in Deno, siolink
// (from src/) connects over Deno's WebTransport passed as `transportOptions.webtransport.WebTransport`, acks
// text and binary, receives binary, and Deno exits by itself once the socket is closed. An in-process
// WebTransport class then checks the framing against socket.io's own with bytes cut anywhere, and the close
// reasons.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { io, WebSocket as WebSocketExport, WebTransport as WebTransportExport } from "../src/index";
import { startChild } from "./helpers/interop/processes";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { denoPath, inProcessWebTransport, startWebTransportServer } from "./helpers/webtransport";

const root = join(import.meta.dirname, "..");

test("Node without a WebTransport: skipped before WebSocket, a clear connect_error when it is the only transport", async (t) => {
  const server = await startServer(t, { transports: ["polling", "websocket", "webtransport"] });
  const skipping = io(server.url, { transports: ["webtransport", "websocket"], reconnection: false, forceNew: true });
  t.after(() => skipping.disconnect());
  await once(skipping, "connect");
  assert.equal(skipping.io.engine?.transport.name, "websocket");

  const only = io(server.url, { transports: ["webtransport"], reconnection: false, forceNew: true });
  t.after(() => only.disconnect());
  const [error] = await once<[Error]>(only, "connect_error");
  assert.match(String((error as { cause?: unknown }).cause ?? error), /no WebTransport in this runtime: pass an implementation as transportOptions\.webtransport\.WebTransport/);
});

test("siolink in Deno over WebTransport: acks, binary both ways, exits by itself when closed", { timeout: 60_000 }, async (t) => {
  const server = await startWebTransportServer(t);
  server.io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    socket.on("push", (value: unknown) => socket.emit("pushed", value));
  });
  const transports: string[] = [];
  server.io.on("connection", (socket) => transports.push(socket.conn.transport.name));
  const config = JSON.stringify({ url: server.url, hash: Buffer.from(server.certificate.hash).toString("base64") });
  const client = await startChild(t, {
    name: "siolink in deno",
    command: denoPath(),
    args: ["run", "-A", "--unstable-net", "--sloppy-imports", join(root, "test/helpers/deno/webtransport-client.mjs"), config],
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  const [, json] = await client.waitForLine(/^result (.*)$/, 45_000);
  assert.deepEqual(JSON.parse(json!), {
    transport: "webtransport",
    text: "from deno ✓",
    binary: [1, 2, 3],
    pushed: [4, 5],
    constructed: 1,
  });
  assert.deepEqual(transports, ["webtransport"]);
  // The process ends on its own: no timer, stream or session of siolink keeps it alive.
  await client.waitForLine(/^never$/, 15_000).then(
    () => assert.fail("unexpected line"),
    (error: Error) => assert.match(error.message, /exited with code 0/),
  );
});

for (const chunkSize of [1, 4096]) {
  // socket.io's decoder is quadratic in the number of chunks it holds: the 64-bit length frame goes in big chunks only.
  test(`framing matches socket.io's own (bytes cut every ${chunkSize}): text, 16-bit${chunkSize > 1 ? " and 64-bit" : ""} lengths, binary both ways`, async (t) => {
    const server = await startServer(t, { transports: ["polling", "websocket", "webtransport"] });
    server.io.on("connection", (socket) => {
      socket.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
      socket.on("push", (value: unknown) => socket.emit("pushed", value));
    });
    const socket = io(server.url, {
      transports: ["webtransport"],
      reconnection: false,
      forceNew: true,
      transportOptions: { webtransport: { WebTransport: inProcessWebTransport(server, chunkSize) } },
    });
    t.after(() => socket.disconnect());
    await once(socket, "connect");
    assert.equal(socket.io.engine?.transport.name, "webtransport");
    const medium = "é".repeat(200);
    const large = Buffer.alloc(70_000, 7);
    const back = await new Promise<unknown[]>((resolve) => socket.emit("echo", "hi", medium, Buffer.from([0, 255]), (...args: unknown[]) => resolve(args)));
    assert.deepEqual(back, ["hi", medium, Buffer.from([0, 255])]);
    if (chunkSize > 1) assert.deepEqual(await socket.timeout(5000).emitWithAck("echo", large), large);
    const pushed = once<[Buffer]>(socket, "pushed");
    socket.emit("push", Buffer.from([1, 2, 3]));
    assert.deepEqual((await pushed)[0], Buffer.from([1, 2, 3]));
  });
}

test("close reasons over WebTransport: server disconnect, transport close, and maxReceiveSize", async (t) => {
  const server = await startServer(t, { transports: ["polling", "websocket", "webtransport"] });
  server.io.on("connection", (socket) => {
    socket.on("kick", () => socket.disconnect());
    socket.on("cut", () => socket.conn.close());
    socket.on("big", () => socket.emit("big", "x".repeat(5000)));
  });
  const WebTransport = inProcessWebTransport(server, 1024);
  const reasons: string[] = [];
  for (const [event, maxReceiveSize] of [["kick", undefined], ["cut", undefined], ["big", 1000]] as const) {
    const socket = io(server.url, {
      transports: ["webtransport"],
      reconnection: false,
      forceNew: true,
      ...(maxReceiveSize ? { maxReceiveSize } : {}),
      transportOptions: { webtransport: { WebTransport } },
    });
    t.after(() => socket.disconnect());
    await once(socket, "connect");
    const disconnected = once<[string, unknown]>(socket, "disconnect");
    socket.emit(event);
    const [reason, details] = await disconnected;
    reasons.push(reason);
    if (event === "big") assert.match(String((details as Error).message), /maxReceiveSize \(1000 bytes\)/);
  }
  assert.deepEqual(reasons, ["io server disconnect", "transport close", "transport error"]);
});

test("transports: [WebTransport, WebSocket] (socket.io-client's export) connects over WebTransport", async (t) => {
  const server = await startServer(t, { transports: ["polling", "websocket", "webtransport"] });
  server.io.on("connection", (socket) => socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)));
  const socket = io(server.url, {
    transports: [WebTransportExport, WebSocketExport],
    reconnection: false,
    forceNew: true,
    transportOptions: { webtransport: { WebTransport: inProcessWebTransport(server, 1024) } },
  });
  t.after(() => socket.disconnect());
  await once(socket, "connect");
  assert.equal(socket.io.engine.transport.name, "webtransport");
  assert.equal(await socket.timeout(5000).emitWithAck("echo", "hi"), "hi");
});
