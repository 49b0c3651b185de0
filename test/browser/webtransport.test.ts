// The WebTransport transport in real Chromium (QUIC on) against a real socket.io server offering WebTransport
// through the Deno relay (test/helpers/webtransport.ts): WebTransport as the first transport with acks, binary
// both ways and the heartbeat; the upgrade from polling to WebTransport; and, with nothing listening on UDP,
// the fallback to WebSocket, then to polling when WebSocket is refused too.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertBuilt, bounded, clientPageUrl, openPage, serveFiles, type PageWindow, useChromium } from "./harness";
import { startWebTransportServer, type WebTransportServer } from "../helpers/webtransport";

const browser = useChromium(assertBuilt, { quic: true });

/** The server's certificate hash as the page passes it to `serverCertificateHashes`. */
const hashOf = (server: WebTransportServer) => Array.from(server.certificate.hash);

function echo(server: WebTransportServer): void {
  server.io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    socket.on("push", (value: unknown) => socket.emit("pushed", value));
  });
}

test("WebTransport first: connects, acks text and binary, receives binary, keeps the heartbeat", bounded, async (t) => {
  const server = await startWebTransportServer(t, { pingInterval: 300, pingTimeout: 2000 });
  serveFiles(server);
  echo(server);
  const serverTransports: string[] = [];
  server.io.on("connection", (socket) => serverTransports.push(socket.conn.transport.name));
  const { page, errors } = await openPage(browser(), clientPageUrl(server));

  const result = await page.evaluate(async (hash) => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const socket = w.io({
      transports: ["webtransport"],
      reconnection: false,
      transportOptions: { webtransport: { serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(hash) }] } },
    });
    await w.connected(socket);
    const engine = socket.io.engine as unknown as { transport: { name: string }; on(e: string, f: () => void): void };
    const transport = engine.transport.name;
    const text = await socket.timeout(5000).emitWithAck("echo", { text: "héllo ✓", list: [1, null, true] });
    const binary = await w.describeBinary(await socket.timeout(5000).emitWithAck("echo", new Uint8Array([0, 1, 254, 255]).buffer));
    // 70 000 bytes: a frame with the 64-bit length header.
    const big = new Uint8Array(70_000).map((_, i) => i & 255);
    const bigBack = new Uint8Array(await socket.timeout(5000).emitWithAck("echo", big.buffer));
    const bigOk = bigBack.length === big.length && bigBack.every((byte, i) => byte === big[i]);
    const pushed = w.nextEvent(socket, "pushed");
    socket.emit("push", new Uint8Array([9, 8, 7]));
    const [fromServer] = await pushed;
    // Three server pings answered: the heartbeat runs over the stream.
    let pings = 0;
    await new Promise<void>((resolve) => engine.on("ping", () => ++pings === 3 && resolve()));
    const afterPings = await socket.timeout(5000).emitWithAck("echo", "still here");
    socket.disconnect();
    return { transport, text, binary, bigOk, pushed: await w.describeBinary(fromServer), afterPings, connected: socket.connected };
  }, hashOf(server));

  assert.deepEqual(result, {
    transport: "webtransport",
    text: { text: "héllo ✓", list: [1, null, true] },
    binary: { kind: "ArrayBuffer", bytes: [0, 1, 254, 255] },
    bigOk: true,
    pushed: { kind: "ArrayBuffer", bytes: [9, 8, 7] },
    afterPings: "still here",
    connected: false,
  });
  assert.deepEqual(serverTransports, ["webtransport"]);
  assert.deepEqual(errors, []);
});

test("polling first, then the upgrade to WebTransport the server offers", bounded, async (t) => {
  const server = await startWebTransportServer(t);
  serveFiles(server);
  echo(server);
  const upgraded = new Promise<string>((resolve) =>
    server.io.on("connection", (socket) => socket.conn.once("upgrade", (transport: { name: string }) => resolve(transport.name))),
  );
  const { page, errors } = await openPage(browser(), clientPageUrl(server));

  const result = await page.evaluate(async (hash) => {
    const w = window as unknown as PageWindow;
    await w.ready;
    const socket = w.io({
      transports: ["polling", "websocket", "webtransport"],
      reconnection: false,
      transportOptions: { webtransport: { serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(hash) }] } },
    });
    await w.connected(socket);
    const first = socket.io.engine?.transport.name;
    const [to] = await w.nextEvent(socket.io.engine as never, "upgrade");
    const ack = await socket.timeout(5000).emitWithAck("echo", "after upgrade", new Uint8Array([1, 2]).buffer);
    const name = socket.io.engine?.transport.name;
    socket.disconnect();
    return { first, upgradedTo: (to as { name: string }).name, name, ack: ack as unknown };
  }, hashOf(server));

  assert.equal(result.first, "polling");
  assert.equal(result.upgradedTo, "webtransport");
  assert.equal(result.name, "webtransport");
  assert.equal(result.ack, "after upgrade");
  assert.equal(await upgraded, "webtransport");
  assert.equal(server.sessions, 1);
  assert.deepEqual(errors, []);
});

test("nothing on UDP: WebTransport falls back to WebSocket, and to polling when WebSocket is refused too", bounded, async (t) => {
  const results: Array<{ name: string | undefined; ack: unknown }> = [];
  for (const transports of [["polling", "websocket", "webtransport"], ["polling", "webtransport"]]) {
    const server = await startWebTransportServer(t, { webtransport: false, transports: transports as never });
    serveFiles(server);
    echo(server);
    const { page, errors } = await openPage(browser(), clientPageUrl(server));
    results.push(
      await page.evaluate(async (hash) => {
        const w = window as unknown as PageWindow;
        await w.ready;
        const socket = w.io({
          transports: ["webtransport", "websocket", "polling"],
          reconnection: false,
          transportOptions: { webtransport: { serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(hash) }] } },
        });
        await w.connected(socket, 20_000);
        const ack = await socket.timeout(5000).emitWithAck("echo", "fallback");
        const name = socket.io.engine?.transport.name;
        socket.disconnect();
        return { name, ack };
      }, hashOf(server)),
    );
    // Chromium logs the failed WebTransport (and WebSocket) handshakes as console errors: only those are expected.
    assert.deepEqual(errors.filter((e) => !/WebTransport|WebSocket|net::ERR_/i.test(e)), []);
  }
  assert.deepEqual(results.map((r) => [r.name, r.ack]), [["websocket", "fallback"], ["polling", "fallback"]]);
});
