// Browser test harness: launches the system Chromium through playwright-core and serves the built bundles,
// test pages and the few node_modules files an import map needs from the same origin as a real socket.io server.

import { after, before } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { ServerOptions } from "socket.io";
import { startServer, type TestServer } from "../helpers/server";

export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags verified on these machines (see shared README): headless, no sandbox as root, no QUIC or updates. */
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What a test context offers the helpers: registering clean-up for when the test ends. */
export interface Teardown {
  after(fn: () => unknown): void;
}

/**
 * Which client the pages load. "siolink" (the default) is what the suite proves; "socket.io-client" runs the
 * same pages against the official bundle, which shows the harness itself is sound.
 */
export type ClientUnderTest = "siolink" | "socket.io-client";
export const client: ClientUnderTest =
  process.env.SIOLINK_TEST_CLIENT === "socket.io-client" ? "socket.io-client" : "siolink";

export const scriptBundle =
  client === "siolink" ? "/dist/siolink.min.js" : "/node_modules/socket.io-client/dist/socket.io.min.js";

/**
 * Launches Chromium (once per test file: the caller closes it in a top-level `after`).
 * A missing browser is a failure that says how to install it, never a skip.
 * `quic`: keep QUIC on, which WebTransport (HTTP/3) needs.
 */
export async function launchChromium(options: { quic?: boolean } = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: install it with \`apt-get update && apt-get install -y chromium\` ` +
        "(or point CHROMIUM_PATH at a Chromium binary)",
    );
  }
  const args = options.quic ? chromiumArgs.filter((arg) => arg !== "--disable-quic") : chromiumArgs;
  return chromium.launch({ executablePath: chromiumPath, args });
}

/**
 * Chromium for one test file: `check` (by default assertBuilt) and the launch (with `options`, see
 * launchChromium) run before the file's tests, the browser closes after them. Returns the getter the tests use: `openPage(browser(), url)`.
 */
export function useChromium(check: () => void = assertBuilt, options: { quic?: boolean } = {}): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    check();
    browser = await launchChromium(options);
  });
  after(() => browser?.close());
  return () => {
    if (!browser) throw new Error("Chromium is not running: use the browser inside a test or hook");
    return browser;
  };
}

/** Requires the bundles the pages load; `npm test` builds them first (`rollup -c`). */
export function assertBuilt(): void {
  if (client !== "siolink") return;
  for (const file of ["dist/siolink.min.js", "dist/browser/index.mjs"]) {
    if (!existsSync(join(root, file))) {
      throw new Error(`${file} is missing: run \`npx rollup -c\` before the browser tests`);
    }
  }
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** URL prefix → directory. node_modules entries are limited to what the ESM import map points at. */
const mounts: Array<[string, string]> = [
  ["/dist/", "dist"],
  ["/pages/", "test/browser/pages"],
  ["/node_modules/engine.io-parser/", "node_modules/engine.io-parser"],
  ["/node_modules/@socket.io/component-emitter/", "node_modules/@socket.io/component-emitter"],
  ["/node_modules/socket.io-client/dist/", "node_modules/socket.io-client/dist"],
];

async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  // Browsers ask for it unprompted; a 404 would show up as a console error in every page.
  if (pathname === "/favicon.ico") return void res.writeHead(204).end();
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const base = join(root, dir);
    const file = normalize(join(base, pathname.slice(prefix.length)));
    if (!file.startsWith(base + sep)) break;
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      break;
    }
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${pathname}`);
}

/**
 * Adds the static routes to a socket.io server's HTTP server. engine.io answers its own path and hands every
 * other request to the listeners registered before it; ours comes after, so it must skip that path itself.
 */
export function serveFiles(server: TestServer, ioPath = "/socket.io/"): void {
  server.http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith(ioPath)) return;
    void serveStatic(req, res);
  });
}

/** The basic page scenario's server side: "echo" acks `{ echoed: value }`, "shout" broadcasts "<id> says <text>". */
export function echoAndShout(server: TestServer): void {
  server.io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack({ echoed: value }));
    socket.on("shout", (text: string) => server.io.emit("broadcast", `${socket.id} says ${text}`));
  });
}

/** Resolves once `child` has exited (at once if it already has). */
export function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/**
 * Runs an example's server script (relative to the root) with PORT=0 until the test ends, and resolves with
 * the URL it prints after `label: ` (without its trailing slash). Its output is in the error if it never does.
 */
export async function startExample(
  t: Teardown,
  script: string,
  label: string,
  { env = {}, timeoutMs = 20_000 }: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  const child = spawn(process.execPath, [join(root, script)], {
    cwd: root,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(async () => {
    child.kill("SIGTERM");
    await stopped(child);
  });
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const printed = new RegExp(escaped + ": (http://\\S+)");
  let output = "";
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed no URL:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = printed.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve(match[1]!.replace(/\/$/, ""));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code}:\n${output}`));
    });
  });
}

/** A real socket.io server on 127.0.0.1:0 that also serves the pages and bundles (one origin: no CORS). */
export async function startStack(
  t: Teardown,
  opts: Partial<ServerOptions> & { port?: number } = {},
): Promise<TestServer> {
  const server = await startServer(t, opts);
  serveFiles(server, opts.path ? `${opts.path.replace(/\/$/, "")}/` : "/socket.io/");
  return server;
}

/** Opens a page in its own context; page errors and console errors are collected for assertions. */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return { page, context, errors };
}

/**
 * In a client page (clientPageUrl): waits for the bundle, creates `io(opts)` as `window.socket` and waits for
 * its connect. With `watchDisconnect`, `window.disconnected` then holds the promise of its next "disconnect".
 */
export async function connectPageSocket(page: Page, opts: Record<string, unknown>, watchDisconnect = false): Promise<void> {
  await page.evaluate(
    async ({ opts, watchDisconnect }) => {
      const w = window as unknown as PageWindow;
      await w.ready;
      const socket = w.io(opts);
      w.socket = socket;
      await w.connected(socket);
      if (watchDisconnect) w.disconnected = w.nextEvent(socket, "disconnect");
    },
    { opts, watchDisconnect },
  );
}

/** The client page: loads the bundle under test by <script> and exposes helpers on window (see client.html). */
export function clientPageUrl(server: TestServer): string {
  return `${server.url}/pages/client.html?bundle=${encodeURIComponent(scriptBundle)}`;
}

/** The slice of the socket.io-client API the pages use, for typing page.evaluate callbacks. */
export interface PageSocket {
  readonly id: string | undefined;
  readonly connected: boolean;
  readonly io: PageManager;
  on(event: string, fn: (...args: any[]) => void): PageSocket;
  once(event: string, fn: (...args: any[]) => void): PageSocket;
  off(event: string, fn?: (...args: any[]) => void): PageSocket;
  emit(event: string, ...args: unknown[]): PageSocket;
  emitWithAck(event: string, ...args: unknown[]): Promise<any>;
  timeout(ms: number): PageSocket;
  connect(): PageSocket;
  disconnect(): PageSocket;
}

export interface PageManager {
  readonly engine: { readonly transport: { readonly name: string }; binaryType: string } | undefined;
  on(event: string, fn: (...args: any[]) => void): PageManager;
  once(event: string, fn: (...args: any[]) => void): PageManager;
  off(event: string, fn?: (...args: any[]) => void): PageManager;
}

/** What client.html (and the bundle it loads) put on window. */
export interface PageWindow {
  io: ((url?: string | Record<string, unknown>, opts?: Record<string, unknown>) => PageSocket) & {
    Manager: unknown;
    Socket: unknown;
    protocol: number;
  };
  ready: Promise<void>;
  nextEvent(emitter: PageSocket | PageManager, event: string, timeoutMs?: number): Promise<any[]>;
  connected(socket: PageSocket, timeoutMs?: number): Promise<string>;
  /** ArrayBuffer | Blob | other → { kind, bytes } so binary results can cross back to Node. */
  describeBinary(value: unknown): Promise<{ kind: string; bytes: number[] | null }>;
  [key: string]: unknown;
}

/** Per-test bound: a page that never answers fails the test instead of hanging the run. */
export const bounded = { timeout: 45_000 } as const;
