// Proves siolink/react in Chromium against a real socket.io server: under StrictMode (a development build of
// React, where StrictMode renders twice and rehearses every mount) a provider opens exactly one connection,
// its hooks deliver events with the latest handler, its status follows a kicked engine and a server restart,
// and unmounting it disconnects and leaves no listener. Also: the React sample in examples/react works, the
// hooks fail clearly outside a provider, and the package build of siolink/react keeps React and siolink out.
// The pages run on the built package: `npx rollup -c` first.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import commonjs from "@rollup/plugin-commonjs";
import typescript from "@rollup/plugin-typescript";
import { rollup, type Plugin } from "rollup";
import ts from "typescript";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import type { Socket as ServerSocket } from "socket.io";
import { buildApp } from "../../examples/react/build.mjs";
import { SioError } from "../../src/index";
import { SocketProvider, useSocket, useSocketEvent, useSocketStatus } from "../../src/react/index";
import { startServer, type TestServer } from "../helpers/server";
import { once } from "../helpers/wait";
import { bounded, launchChromium, openPage, root, startExample, type Teardown } from "./harness";
import type { Probe } from "./react/strict-app";

/**
 * The StrictMode page imports siolink and siolink/react by path, so that `tsc` checks it with the sources;
 * bundled, those imports take the built package (dist/, as the React sample and an app do).
 */
function sourcesToPackage(): Plugin {
  const entries = new Map([
    [join(root, "src/index"), "siolink"],
    [join(root, "src/react/index"), "siolink/react"],
  ]);
  return {
    name: "test-sources-to-package",
    async resolveId(source, importer, options) {
      if (importer === undefined || !source.startsWith(".")) return null;
      const name = entries.get(resolve(dirname(importer), source).replace(/\.ts$/, ""));
      return name === undefined ? null : this.resolve(name, importer, { isEntry: options.isEntry, skipSelf: true });
    },
  };
}

let browser: Browser;
let strictApp: string;
before(async () => {
  [browser, strictApp] = await Promise.all([
    launchChromium(),
    buildApp({ input: join(root, "test/browser/react/strict-app.ts"), mode: "development", plugins: [sourcesToPackage()] }),
  ]);
});
after(() => browser?.close());

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>siolink/react test</title></head>
<body><div id="root"></div><script src="/app.js"></script></body></html>`;

/** Serves the test page and its bundle next to socket.io on the server's HTTP server. */
function serveApp(server: TestServer, code: string): void {
  server.http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith("/socket.io/")) return;
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    else if (path === "/app.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(code);
    else res.writeHead(path === "/favicon.ico" ? 204 : 404).end();
  });
}

/** A server for the StrictMode page, counting Engine.IO sessions and namespace connections. */
async function startAppServer(t: Teardown, port = 0) {
  const server = await startServer(t, { port });
  serveApp(server, strictApp);
  const counts = { sessions: 0, connections: 0 };
  const sockets: ServerSocket[] = [];
  server.io.engine.on("connection", () => counts.sessions++);
  server.io.on("connection", (socket) => {
    counts.connections++;
    sockets.push(socket);
    socket.on("echo", (text: string, ack: (reply: string) => void) => ack(`${text} pong`));
  });
  return { server, counts, sockets };
}

/** Short, regular backoff: the reconnections below do not wait for the default second. */
const fastReconnect = { reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 };

const appUrl = (server: TestServer, query = "") =>
  `${server.url}/?options=${encodeURIComponent(JSON.stringify(fastReconnect))}${query}`;

function probe<T>(page: Page, read: (probe: Probe) => T): Promise<T> {
  return page.evaluate(`(${read.toString()})(window.probe)`) as Promise<T>;
}

/** Resolves once the page rendered `count` statuses, and returns them. */
async function statuses(page: Page, count: number): Promise<string[]> {
  await page.waitForFunction((n) => (window as unknown as { probe: Probe }).probe.statuses.length >= n, count, {
    timeout: 20_000,
  });
  return probe(page, (p) => [...p.statuses]);
}

/**
 * Listeners on the provider's Socket and its Manager. The page's probe counts the classic events (none of
 * which siolink/react needs any more); `status:change` is counted here, being the one useSocketStatus uses.
 */
function listenerCounts(page: Page) {
  return probe(page, (p) => {
    const counts = p.listenerCounts();
    return { ...counts, socket: { ...counts.socket, "status:change": p.socket!.listeners("status:change").length } };
  });
}

/** One listener per hook: useSocketEvent's "news", useSocketStatus's status:change; nothing on the Manager. */
const mountedCounts = {
  socket: { connect: 0, disconnect: 0, connect_error: 0, news: 1, "status:change": 1 },
  manager: {
    open: 0,
    close: 0,
    error: 0,
    ping: 0,
    packet: 0,
    reconnect_attempt: 0,
    reconnect: 0,
    reconnect_error: 0,
    reconnect_failed: 0,
  },
  any: 0,
};

test("under StrictMode the provider opens exactly one connection, and useSocketEvent keeps the latest handler", bounded, async (t) => {
  const { server, counts } = await startAppServer(t);
  const { page, errors } = await openPage(browser, appUrl(server));
  await page.locator("#status[data-status=connected]").waitFor({ timeout: 10_000 });

  // One acknowledged round trip: a second connection started by the rehearsal would have reached the
  // server before this reply comes back.
  await page.click("#echo");
  await page.locator("#reply", { hasText: "ping pong" }).waitFor({ timeout: 10_000 });
  assert.deepEqual(counts, { sessions: 1, connections: 1 });
  assert.equal(server.io.engine.clientsCount, 1);

  const seen = await probe(page, (p) => ({ mounts: p.mounts, unmounts: p.unmounts, statuses: p.statuses }));
  // StrictMode really rehearsed: mounted, unmounted, mounted again.
  assert.equal(seen.mounts, 2);
  assert.equal(seen.unmounts, 1);
  assert.deepEqual(seen.statuses, ["connecting", "connected"]);
  // The rehearsal left no extra listener: one per hook.
  assert.deepEqual(await listenerCounts(page), mountedCounts);

  server.io.emit("news", "first");
  await page.locator("#news li", { hasText: "A: first" }).waitFor({ timeout: 10_000 });

  // A re-render with new state: the handler that runs is the new one, the listener stays the same.
  const listener = await page.evaluateHandle(() => (window as unknown as { probe: Probe }).probe.newsListener());
  await page.click("#label");
  await page.locator("#label", { hasText: "label B" }).waitFor({ timeout: 10_000 });
  server.io.emit("news", "second");
  await page.locator("#news li", { hasText: "B: second" }).waitFor({ timeout: 10_000 });
  const sameListener = await page.evaluate(
    (before) => before === (window as unknown as { probe: Probe }).probe.newsListener(),
    listener,
  );
  assert.equal(sameListener, true, "useSocketEvent subscribed again on re-render");

  // The provider re-rendered with a new (equal) options object: same connection.
  await page.click("#rerender");
  await page.locator("#rerender", { hasText: "renders 1" }).waitFor({ timeout: 10_000 });
  await page.click("#echo");
  await page.locator("#reply", { hasText: "ping pong" }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await page.locator("#news li").allTextContents(), ["A: first", "B: second"]);
  assert.deepEqual(counts, { sessions: 1, connections: 1 });
  assert.deepEqual(errors, []);
});

test("useSocketStatus goes connecting → connected → reconnecting → connected when the engine is kicked and when the server restarts", bounded, async (t) => {
  const first = await startAppServer(t);
  const { page, errors } = await openPage(browser, appUrl(first.server));
  assert.deepEqual(await statuses(page, 2), ["connecting", "connected"]);

  // The server drops the Engine.IO session: the client reconnects on its own.
  first.sockets[0]!.conn.close();
  assert.deepEqual(await statuses(page, 4), ["connecting", "connected", "reconnecting", "connected"]);
  assert.equal(first.counts.sessions, 2);

  // The server goes away, and comes back on the same port: attempts fail meanwhile, which must not read as
  // "disconnected" (the Manager passes through "closed" between two attempts).
  await first.server.close();
  assert.deepEqual((await statuses(page, 5)).slice(4), ["reconnecting"]);
  const second = await startAppServer(t, first.server.port);
  assert.deepEqual((await statuses(page, 6)).slice(4), ["reconnecting", "connected"]);
  await page.locator("#status[data-status=connected]").waitFor({ timeout: 10_000 });
  assert.equal(second.counts.connections, 1);
  assert.deepEqual(await listenerCounts(page), mountedCounts);
  assert.deepEqual(await probe(page, (p) => p.statuses.length), 6);
  // An attempt that lands while the server is down makes Chromium log the refused connection itself (whether
  // one lands depends on timing); those are the browser's network log, not the page's errors.
  assert.deepEqual(errors.filter((line) => !line.includes("net::ERR_CONNECTION_REFUSED")), []);
});

test("unmounting the provider disconnects its socket and leaves no listener; mounting again connects once", bounded, async (t) => {
  const { server, counts, sockets } = await startAppServer(t);
  const { page, errors } = await openPage(browser, appUrl(server));
  await page.locator("#status[data-status=connected]").waitFor({ timeout: 10_000 });
  const serverSocket = sockets[0]!;
  const disconnected = once<[string, unknown]>(serverSocket, "disconnect");
  const sessionClosed = once(serverSocket.conn, "close");

  await page.click("#toggle");
  await page.locator("#unmounted").waitFor({ timeout: 10_000 });
  // The client left the namespace, then closed the connection it no longer needed.
  assert.equal((await disconnected)[0], "client namespace disconnect");
  await sessionClosed;

  const left = await probe(page, (p) => ({
    active: p.socket!.active,
    connected: p.socket!.connected,
    manager: p.socket!.io.state,
  }));
  assert.deepEqual(await listenerCounts(page), {
    socket: Object.fromEntries(Object.keys(mountedCounts.socket).map((name) => [name, 0])),
    manager: Object.fromEntries(Object.keys(mountedCounts.manager).map((name) => [name, 0])),
    any: 0,
  });
  assert.deepEqual(left, {
    active: false,
    connected: false,
    manager: "closed",
  });

  const previous = await page.evaluateHandle(() => (window as unknown as { probe: Probe }).probe.socket);
  await page.click("#toggle");
  await page.locator("#status[data-status=connected]").waitFor({ timeout: 10_000 });
  await page.click("#echo");
  await page.locator("#reply", { hasText: "ping pong" }).waitFor({ timeout: 10_000 });
  assert.deepEqual(counts, { sessions: 2, connections: 2 });
  const fresh = await page.evaluate((old) => old !== (window as unknown as { probe: Probe }).probe.socket, previous);
  assert.equal(fresh, true);
  assert.deepEqual(await listenerCounts(page), mountedCounts);
  assert.deepEqual(await probe(page, (p) => p.statuses), ["connecting", "connected", "connecting", "connected"]);
  assert.deepEqual(errors, []);
});

test("an inline auth callback keeps the connection across renders, and reconnections send the latest one", bounded, async (t) => {
  const { server, counts, sockets } = await startAppServer(t);
  const { page, errors } = await openPage(browser, appUrl(server, "&auth=callback"));
  await page.locator("#status[data-status=connected]").waitFor({ timeout: 10_000 });
  assert.deepEqual(sockets[0]!.handshake.auth, { renders: 0 });

  for (const renders of [1, 2]) {
    await page.click("#rerender");
    await page.locator("#rerender", { hasText: `renders ${renders}` }).waitFor({ timeout: 10_000 });
  }
  await page.click("#echo");
  await page.locator("#reply", { hasText: "ping pong" }).waitFor({ timeout: 10_000 });
  assert.deepEqual(counts, { sessions: 1, connections: 1 });

  const reconnected = once<[ServerSocket]>(server.io, "connection");
  sockets[0]!.conn.close();
  const [again] = await reconnected;
  assert.deepEqual(again.handshake.auth, { renders: 2 });
  assert.deepEqual(counts, { sessions: 2, connections: 2 });
  assert.deepEqual(errors, []);
});

// -----------------------------------------------------------------------------------------------------------
// The sample

/** Starts examples/react/server.mjs (which builds the sample) on a free port; resolves with its URL. */
const startSample = (t: Teardown) =>
  startExample(t, "examples/react/server.mjs", "siolink react demo", { env: { NODE_ENV: "development" }, timeoutMs: 40_000 });

async function joinAs(url: string, nickname: string): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await openPage(browser, url);
  await page.fill("#nickname", nickname);
  await page.click("#join");
  await page.locator("#status[data-status=connected]").waitFor({ timeout: 10_000 });
  return { page, errors };
}

/** Sends `text` and waits until the server broadcast it back to the sender. */
async function say(page: Page, line: string): Promise<void> {
  const [from, text] = line.split(": ") as [string, string];
  await page.fill("#text", text);
  // Enabled once the server accepted the nickname on this connection.
  await page.locator("#send:not([disabled])").waitFor({ timeout: 10_000 });
  await page.click("#send");
  await page.locator("#messages .message", { hasText: `${from}: ${text}` }).waitFor({ timeout: 10_000 });
}

test("the React sample (examples/react) sends and receives through its own server, in StrictMode", { timeout: 60_000 }, async (t) => {
  const url = await startSample(t);
  const ada = await joinAs(url, "Ada");
  const grace = await joinAs(url, "Grace");
  await ada.page.locator("#messages .notice", { hasText: "Grace joined" }).waitFor({ timeout: 10_000 });

  await say(ada.page, "Ada: hello from Ada");
  await say(grace.page, "Grace: hi Ada");
  for (const { page } of [ada, grace]) {
    await page.locator("#messages .message", { hasText: "Grace: hi Ada" }).waitFor({ timeout: 10_000 });
    const lines = await page.locator("#messages .message").allTextContents();
    assert.deepEqual(lines, ["Ada: hello from Ada", "Grace: hi Ada"]);
  }

  // Leaving unmounts the provider: the connection closes and the others are told.
  await grace.page.click("#leave");
  await grace.page.locator("#nickname").waitFor({ timeout: 10_000 });
  await ada.page.locator("#messages .notice", { hasText: "Grace left" }).waitFor({ timeout: 10_000 });
  assert.deepEqual([...ada.errors, ...grace.errors], []);
});

// -----------------------------------------------------------------------------------------------------------
// Without a browser

test("the hooks throw a SioError naming themselves outside a provider; a server render shows connecting", () => {
  for (const [name, hook] of [
    ["useSocket", () => useSocket()],
    ["useSocketEvent", () => useSocketEvent("news", () => undefined)],
    ["useSocketStatus", () => useSocketStatus()],
  ] as const) {
    const Component = () => {
      hook();
      return null;
    };
    assert.throws(
      () => renderToString(h(Component)),
      (error: unknown) =>
        error instanceof SioError &&
        error.code === "ERR_INVALID_STATE" &&
        error.message === `${name}() was called outside a <SocketProvider>: wrap this component in one`,
    );
  }

  // Rendering does not connect: the server render shows what the client renders before its provider
  // commits, so hydration matches. The unclaimed socket is swept a macrotask later.
  const Status = () => h("p", null, useSocketStatus());
  const html = renderToString(h(SocketProvider, { url: "http://127.0.0.1:9/ssr" }, h(Status)));
  assert.equal(html, "<p>connecting</p>");
  const manual = renderToString(
    h(SocketProvider, { url: "http://127.0.0.1:9/ssr", options: { autoConnect: false } }, h(Status)),
  );
  assert.equal(manual, "<p>disconnected</p>");
});

// -----------------------------------------------------------------------------------------------------------
// The package build (the rollup.config.mjs entry proposed for `siolink/react`)

/**
 * The same plugin the lead adds to rollup.config.mjs: `../index` (siolink's entry, seen from src/react) is
 * imported from the package by name, so an app's `siolink` and `siolink/react` share one copy (one io()
 * cache, one Socket class for instanceof).
 */
function siolinkAsPeer(): Plugin {
  const entry = join(root, "src", "index.ts");
  return {
    name: "siolink-react-peer",
    resolveId(source, importer) {
      if (importer === undefined || !source.startsWith(".")) return null;
      const target = resolve(dirname(importer), source);
      return target === entry || `${target}.ts` === entry ? { id: "siolink", external: true } : null;
    },
  };
}

test("the siolink/react package build imports react and siolink, bundles neither, and emits its declarations", { timeout: 60_000 }, async (t) => {
  const bundle = await rollup({
    input: join(root, "src/react/index.ts"),
    external: (id) => id === "react" || id.startsWith("react/"),
    plugins: [
      siolinkAsPeer(),
      typescript({
        tsconfig: join(root, "tsconfig.json"),
        filterRoot: root,
        include: ["src/**/*.ts"],
        compilerOptions: { declaration: false, declarationMap: false, sourceMap: true, inlineSources: true },
      }),
      commonjs(),
    ],
    onwarn: (warning, warn) => {
      if (warning.plugin !== "typescript") warn(warning);
    },
  });
  t.after(() => bundle.close());
  for (const format of ["es", "cjs"] as const) {
    const { output } = await bundle.generate({ format, banner: `/*! siolink v0.0.0 | MIT */\n"use client";`, exports: "named" });
    const [chunk] = output;
    assert.deepEqual([...chunk.imports].sort(), ["react", "siolink"], format);
    assert.deepEqual(chunk.exports.sort(), ["SocketProvider", "useSocket", "useSocketEvent", "useSocketStatus"], format);
    // A "use client" directive first (after the licence comment), for React Server Components frameworks.
    assert.match(chunk.code, /^\/\*![^]*?\*\/\n"use client";/, format);
    const bundled = Object.keys(chunk.modules).map((id) => relative(root, id)).sort();
    assert.deepEqual(bundled, ["connections.ts", "hooks.ts", "index.ts", "key.ts", "provider.ts", "status.ts"].map((file) => join("src/react", file)), format);
  }

  // Declarations: both entries in one program, so dist/types/react/index.d.ts imports ../index.
  const outDir = mkdtempSync(join(tmpdir(), "siolink-react-types-"));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
  })!;
  const program = ts.createProgram([join(root, "src/index.ts"), join(root, "src/react/index.ts")], {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, "src"),
    declarationDir: outDir,
  });
  const emitted = program.emit();
  assert.deepEqual(emitted.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  const types = readFileSync(join(outDir, "react/index.d.ts"), "utf8");
  assert.match(types, /export \{ SocketProvider, useSocket, type SocketProviderProps \} from "\.\/provider"/);
  const provider = readFileSync(join(outDir, "react/provider.d.ts"), "utf8");
  assert.match(provider, /from "\.\.\/index"/);
});
