// Proxies in Node: proxyFor/resolveProxy over a table of environments, then real socket.io servers reached
// through the CONNECT proxy of test/helpers/interop/connect-proxy.ts, with `proxy: "env"`, NODE_USE_ENV_PROXY,
// NO_PROXY, `proxy: false`, an explicit proxy URL with credentials, a refusing proxy, and TLS inside the tunnel.
// Where the client is given an address nothing listens on that only the proxy maps to the server, connecting
// at all proves the proxy was used; `tunnels` shows which connections crossed it.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { io, type Socket } from "../src/index";
import { SioError } from "../src/errors";
import { connectRequest, noProxyMatches, proxyFor, resolveProxy, type ProxyEnv } from "../src/platform/env-proxy";
import { makeCertificates } from "./helpers/interop/certs";
import { startConnectProxy, TunnelAgent, type ConnectProxy } from "./helpers/interop/connect-proxy";
import { startHttpsServer } from "./helpers/interop/https-server";
import { freePort } from "./helpers/interop/processes";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

// ---------------------------------------------------------------------------------------------------------
// proxyFor, NO_PROXY and resolveProxy: pure functions of the URL and an env table

const P = "http://proxy.test:3128/";
const S = "http://secure-proxy.test:3129/";

const proxyCases: Array<{ title: string; target: string; env: ProxyEnv; expected: string | undefined }> = [
  { title: "no variables", target: "http://h/", env: {}, expected: undefined },
  { title: "HTTP_PROXY for http", target: "http://h/", env: { HTTP_PROXY: P }, expected: P },
  { title: "HTTP_PROXY for ws", target: "ws://h:3000/socket.io/", env: { HTTP_PROXY: P }, expected: P },
  { title: "HTTP_PROXY is not for https", target: "https://h/", env: { HTTP_PROXY: P }, expected: undefined },
  { title: "HTTPS_PROXY for https", target: "https://h/", env: { HTTPS_PROXY: S, HTTP_PROXY: P }, expected: S },
  { title: "HTTPS_PROXY for wss", target: "wss://h/", env: { HTTPS_PROXY: S }, expected: S },
  { title: "HTTPS_PROXY is not for http", target: "http://h/", env: { HTTPS_PROXY: S }, expected: undefined },
  { title: "lower case wins", target: "http://h/", env: { http_proxy: S, HTTP_PROXY: P }, expected: S },
  { title: "lower case wins (https)", target: "wss://h/", env: { https_proxy: P, HTTPS_PROXY: S }, expected: P },
  { title: "empty lower case counts as unset", target: "http://h/", env: { http_proxy: "", HTTP_PROXY: P }, expected: P },
  { title: "no scheme means http", target: "http://h/", env: { HTTP_PROXY: "proxy.test:3128" }, expected: P },
  { title: "https proxy scheme kept", target: "https://h/", env: { HTTPS_PROXY: "https://p:1" }, expected: "https://p:1/" },
  { title: "NO_PROXY *", target: "http://h/", env: { HTTP_PROXY: P, NO_PROXY: "*" }, expected: undefined },
  { title: "NO_PROXY exact host", target: "http://example.com/", env: { HTTP_PROXY: P, NO_PROXY: "example.com" }, expected: undefined },
  { title: "NO_PROXY host covers subdomains", target: "http://a.b.example.com/", env: { HTTP_PROXY: P, NO_PROXY: "example.com" }, expected: undefined },
  { title: "NO_PROXY needs a dot boundary", target: "http://notexample.com/", env: { HTTP_PROXY: P, NO_PROXY: "example.com" }, expected: P },
  { title: "NO_PROXY leading dot: subdomain", target: "http://a.example.com/", env: { HTTP_PROXY: P, NO_PROXY: ".example.com" }, expected: undefined },
  { title: "NO_PROXY leading dot: the domain itself", target: "http://example.com/", env: { HTTP_PROXY: P, NO_PROXY: ".example.com" }, expected: undefined },
  { title: "NO_PROXY *.domain", target: "http://a.example.com/", env: { HTTP_PROXY: P, NO_PROXY: "*.example.com" }, expected: undefined },
  { title: "NO_PROXY is case-insensitive", target: "http://API.Example.com/", env: { HTTP_PROXY: P, NO_PROXY: "example.COM" }, expected: undefined },
  { title: "NO_PROXY list, commas and spaces", target: "http://c.test/", env: { HTTP_PROXY: P, NO_PROXY: " a.test, b.test  c.test ,," }, expected: undefined },
  { title: "NO_PROXY other hosts only", target: "http://d.test/", env: { HTTP_PROXY: P, NO_PROXY: "a.test,b.test" }, expected: P },
  { title: "NO_PROXY port matches", target: "http://h:8080/", env: { HTTP_PROXY: P, NO_PROXY: "h:8080" }, expected: undefined },
  { title: "NO_PROXY port differs", target: "http://h:8081/", env: { HTTP_PROXY: P, NO_PROXY: "h:8080" }, expected: P },
  { title: "NO_PROXY default port", target: "wss://h/", env: { HTTPS_PROXY: S, NO_PROXY: "h:443" }, expected: undefined },
  { title: "NO_PROXY IPv4", target: "http://127.0.0.1:3000/", env: { HTTP_PROXY: P, NO_PROXY: "127.0.0.1" }, expected: undefined },
  { title: "NO_PROXY IPv4 is exact", target: "http://127.0.0.10/", env: { HTTP_PROXY: P, NO_PROXY: "127.0.0.1" }, expected: P },
  { title: "NO_PROXY IPv6 bare", target: "http://[::1]:3000/", env: { HTTP_PROXY: P, NO_PROXY: "::1" }, expected: undefined },
  { title: "NO_PROXY IPv6 long form", target: "http://[::1]/", env: { HTTP_PROXY: P, NO_PROXY: "0:0:0:0:0:0:0:1" }, expected: undefined },
  { title: "NO_PROXY IPv6 bracketed with port", target: "http://[::1]:3000/", env: { HTTP_PROXY: P, NO_PROXY: "[::1]:3000" }, expected: undefined },
  { title: "NO_PROXY IPv6 other port", target: "http://[::1]:3001/", env: { HTTP_PROXY: P, NO_PROXY: "[::1]:3000" }, expected: P },
  { title: "lower-case no_proxy wins", target: "http://a.test/", env: { HTTP_PROXY: P, no_proxy: "b.test", NO_PROXY: "a.test" }, expected: P },
];

for (const { title, target, env, expected } of proxyCases) {
  test(`proxyFor: ${title}`, () => {
    assert.equal(proxyFor(target, env)?.href, expected);
  });
}

test("proxyFor: an unusable proxy variable throws a TransportError that names the variable, not its secret", () => {
  assert.throws(
    () => proxyFor("http://h/", { http_proxy: "http://user:s3cret@[bad" }),
    (error: unknown) =>
      error instanceof SioError && error.code === "ERR_TRANSPORT" && /http_proxy/.test(error.message) && !/s3cret/.test(error.message),
  );
  assert.throws(() => proxyFor("https://h/", { HTTPS_PROXY: "socks5://p:1080" }), /only http:\/\/ and https:\/\/ proxies/);
});

test("noProxyMatches ignores empty entries and needs a match", () => {
  assert.equal(noProxyMatches("", new URL("http://h/")), false);
  assert.equal(noProxyMatches(" , ,", new URL("http://h/")), false);
  assert.equal(noProxyMatches(".", new URL("http://h/")), false);
});

test("resolveProxy: opt-in through NODE_USE_ENV_PROXY=1 or proxy: \"env\"; false and explicit URLs", () => {
  const env = { HTTP_PROXY: P, NO_PROXY: "direct.test" };
  assert.equal(resolveProxy("http://h/", undefined, env), undefined, "no opt-in: environment ignored");
  assert.equal(resolveProxy("http://h/", undefined, { ...env, NODE_USE_ENV_PROXY: "1" })?.href, P);
  assert.equal(resolveProxy("http://h/", undefined, { ...env, NODE_USE_ENV_PROXY: "0" }), undefined);
  assert.equal(resolveProxy("http://h/", "env", env)?.href, P);
  assert.equal(resolveProxy("http://direct.test/", "env", env), undefined, "NO_PROXY applies to env proxies");
  assert.equal(resolveProxy("http://h/", false, { ...env, NODE_USE_ENV_PROXY: "1" }), undefined);
  assert.equal(resolveProxy("http://direct.test/", "http://explicit:1", env)?.href, "http://explicit:1/", "NO_PROXY does not apply");
  assert.throws(() => resolveProxy("http://h/", "http://[bad", env), /invalid proxy URL in the proxy option/);
  assert.throws(() => resolveProxy("http://h/", 42 as unknown as string, env), /proxy option must be/);
});

test("connectRequest: authority with the default port, Basic credentials decoded from the URL", () => {
  assert.equal(
    connectRequest(new URL("http://p:1"), new URL("wss://example.com/socket.io/")),
    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
  );
  const basic = Buffer.from("us@er:p:ss w", "utf8").toString("base64");
  assert.equal(
    connectRequest(new URL("http://us%40er:p%3Ass%20w@p:1"), new URL("http://[::1]:3000/")),
    `CONNECT [::1]:3000 HTTP/1.1\r\nHost: [::1]:3000\r\nProxy-Authorization: Basic ${basic}\r\n\r\n`,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Real servers through the CONNECT proxy

const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "NODE_USE_ENV_PROXY"];

/** Sets exactly these proxy variables for the test (clearing any others), and puts everything back after it. */
function useEnv(t: TestContext, vars: Record<string, string>): void {
  const saved = new Map(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

interface Route {
  /** The address the client is given: nothing listens there, only the proxy maps it to the server. */
  virtualUrl: string;
  virtualAuthority: string;
  proxy: ConnectProxy;
  proxyUrl: string;
}

async function routeThroughProxy(
  t: TestContext,
  realPort: number,
  scheme: "http" | "https",
  requireAuthorization?: string,
): Promise<Route> {
  const virtualPort = await freePort();
  const virtualAuthority = `127.0.0.1:${virtualPort}`;
  const proxy = await startConnectProxy(
    t,
    new Map([[virtualAuthority, `127.0.0.1:${realPort}`]]),
    requireAuthorization === undefined ? {} : { requireAuthorization },
  );
  return { virtualUrl: `${scheme}://${virtualAuthority}`, virtualAuthority, proxy, proxyUrl: `http://127.0.0.1:${proxy.port}` };
}

async function echoServer(t: TestContext) {
  const server = await startServer(t);
  server.io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (value: unknown) => void) => ack(value));
  });
  return server;
}

function track(t: TestContext, socket: Socket): Socket {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

async function connectedOn(socket: Socket, transport: "polling" | "websocket"): Promise<void> {
  if (!socket.connected) {
    const [outcome] = await Promise.race([once<[]>(socket, "connect").then(() => ["ok"]), once<[Error]>(socket, "connect_error")]);
    if (outcome instanceof Error) throw new Error(`connect_error instead of connect: ${outcome.message}`);
  }
  if (socket.io.engine.transport.name !== transport) await once(socket.io.engine, "upgrade");
  assert.equal(socket.io.engine.transport.name, transport);
}

async function echoes(socket: Socket, value: unknown): Promise<void> {
  assert.deepEqual(await socket.timeout(10_000).emitWithAck("echo", value), value);
}

const transportCases = [
  { title: "polling only", transports: ["polling"], expect: "polling", minTunnels: 3 },
  { title: "websocket only", transports: ["websocket"], expect: "websocket", minTunnels: 1 },
  { title: "polling then upgrade", transports: ["polling", "websocket"], expect: "websocket", minTunnels: 2 },
] as const;

for (const { title, transports, expect, minTunnels } of transportCases) {
  test(`proxy: "env" with HTTP_PROXY, ${title}: every connection goes through the proxy`, async (t) => {
    const server = await echoServer(t);
    const route = await routeThroughProxy(t, server.port, "http");
    useEnv(t, { HTTP_PROXY: route.proxyUrl, HTTPS_PROXY: "http://127.0.0.1:1" });
    const socket = track(t, io(route.virtualUrl, { transports: [...transports], proxy: "env", reconnection: false, forceNew: true }));
    await connectedOn(socket, expect);
    await echoes(socket, ["via env proxy", 1]);
    assert.ok(route.proxy.tunnels.length >= minTunnels, `tunnels: ${route.proxy.tunnels.length}`);
    assert.deepEqual(new Set(route.proxy.tunnels), new Set([route.virtualAuthority]));
  });
}

test("NODE_USE_ENV_PROXY=1 alone turns the environment's proxy on", async (t) => {
  const server = await echoServer(t);
  const route = await routeThroughProxy(t, server.port, "http");
  useEnv(t, { NODE_USE_ENV_PROXY: "1", http_proxy: route.proxyUrl });
  const socket = track(t, io(route.virtualUrl, { reconnection: false, forceNew: true }));
  await connectedOn(socket, "websocket");
  await echoes(socket, "switch");
  assert.deepEqual(new Set(route.proxy.tunnels), new Set([route.virtualAuthority]));
});

test("without opt-in HTTP_PROXY is ignored, as Node itself does", async (t) => {
  const server = await echoServer(t);
  const route = await routeThroughProxy(t, server.port, "http");
  useEnv(t, { HTTP_PROXY: route.proxyUrl, http_proxy: route.proxyUrl });
  const socket = track(t, io(server.url, { transports: ["polling", "websocket"], reconnection: false, forceNew: true }));
  await connectedOn(socket, "websocket");
  await echoes(socket, "direct");
  assert.deepEqual(route.proxy.tunnels, []);
});

test("proxy: false goes direct even with NODE_USE_ENV_PROXY=1", async (t) => {
  const server = await echoServer(t);
  const route = await routeThroughProxy(t, server.port, "http");
  useEnv(t, { NODE_USE_ENV_PROXY: "1", HTTP_PROXY: route.proxyUrl });
  const socket = track(t, io(server.url, { transports: ["polling", "websocket"], proxy: false, reconnection: false, forceNew: true }));
  await connectedOn(socket, "websocket");
  assert.deepEqual(route.proxy.tunnels, []);
});

test("NO_PROXY bypasses the environment's proxy", async (t) => {
  const server = await echoServer(t);
  const route = await routeThroughProxy(t, server.port, "http");
  useEnv(t, { HTTP_PROXY: route.proxyUrl, NO_PROXY: "localhost, 127.0.0.1" });
  const socket = track(t, io(server.url, { transports: ["polling", "websocket"], proxy: "env", reconnection: false, forceNew: true }));
  await connectedOn(socket, "websocket");
  await echoes(socket, "bypass");
  assert.deepEqual(route.proxy.tunnels, []);
});

test("an explicit proxy URL with credentials sends Proxy-Authorization: Basic on every tunnel", async (t) => {
  const server = await echoServer(t);
  const expected = `Basic ${Buffer.from("us@er:pa:ss", "utf8").toString("base64")}`;
  const route = await routeThroughProxy(t, server.port, "http", expected);
  useEnv(t, {});
  const proxy = `http://us%40er:pa%3Ass@127.0.0.1:${route.proxy.port}`;
  const socket = track(t, io(route.virtualUrl, { transports: ["polling", "websocket"], proxy, reconnection: false, forceNew: true }));
  await connectedOn(socket, "websocket");
  await echoes(socket, "authorised");
  assert.ok(route.proxy.authorizations.length >= 2);
  for (const header of route.proxy.authorizations) assert.equal(header, expected);
});

test("a proxy refusing CONNECT gives connect_error with a TransportError naming the proxy and its status", async (t) => {
  const server = await echoServer(t);
  const route = await routeThroughProxy(t, server.port, "http", "Basic something-else");
  useEnv(t, {});
  const proxy = `http://wrong:creds@127.0.0.1:${route.proxy.port}`;
  const socket = track(t, io(route.virtualUrl, { transports: ["polling"], proxy, reconnection: false, forceNew: true }));
  const [error] = await once<[Error]>(socket, "connect_error");
  const causes: unknown[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(e);
  const refusal = causes.find((e): e is SioError => e instanceof SioError && /refused CONNECT/.test(e.message));
  assert.ok(refusal, `no CONNECT refusal in: ${causes.map((e) => (e as Error).message).join(" <- ")}`);
  assert.equal(refusal.code, "ERR_TRANSPORT");
  assert.match(refusal.message, new RegExp(`proxy http://127\\.0\\.0\\.1:${route.proxy.port} refused CONNECT ${route.virtualAuthority}: HTTP/1\\.1 407`));
  assert.doesNotMatch(refusal.message, /creds/);
  assert.equal(socket.connected, false);
});

test("a proxy refusing the WebSocket's tunnel: the session falls back to polling through it", async (t) => {
  const server = await echoServer(t);
  const virtualPort = await freePort();
  const authority = `127.0.0.1:${virtualPort}`;
  // WebSocket first (the default order): the first CONNECT is the WebSocket's, and it gets a 503.
  const proxy = await startConnectProxy(t, new Map([[authority, `127.0.0.1:${server.port}`]]), { refuseFirst: 1 });
  useEnv(t, { NODE_USE_ENV_PROXY: "1", HTTP_PROXY: `http://127.0.0.1:${proxy.port}` });
  const socket = track(t, io(`http://${authority}`, { upgrade: false, reconnection: false, forceNew: true }));
  await connectedOn(socket, "polling");
  await echoes(socket, "fell back");
  assert.ok(proxy.tunnels.length >= 2);
});

test("https target through the proxy: TLS inside the tunnel with the test CA", async (t) => {
  const certs = makeCertificates(t);
  const server = await startHttpsServer(t, { key: certs.serverKey, cert: certs.serverCert });
  const route = await routeThroughProxy(t, Number(new URL(server.url).port), "https");
  useEnv(t, { HTTPS_PROXY: route.proxyUrl, HTTP_PROXY: "http://127.0.0.1:1" });
  const socket = track(
    t,
    io(route.virtualUrl, { transports: ["polling", "websocket"], proxy: "env", ca: certs.ca, reconnection: false, forceNew: true }),
  );
  await connectedOn(socket, "websocket");
  await echoes(socket, "tls via env proxy");
  assert.ok(route.proxy.tunnels.length >= 2);
  assert.deepEqual(new Set(route.proxy.tunnels), new Set([route.virtualAuthority]));
});

test("https through the proxy still checks the target's certificate", async (t) => {
  const certs = makeCertificates(t);
  const server = await startHttpsServer(t, { key: certs.serverKey, cert: certs.serverCert });
  const route = await routeThroughProxy(t, Number(new URL(server.url).port), "https");
  useEnv(t, { HTTPS_PROXY: route.proxyUrl });
  // No `ca`: the self-signed chain must be refused inside the tunnel.
  const socket = track(t, io(route.virtualUrl, { transports: ["polling"], proxy: "env", reconnection: false, forceNew: true }));
  const [error] = await once<[Error]>(socket, "connect_error");
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
  assert.ok(messages.some((m) => /certificate/i.test(m)), messages.join(" <- "));
  assert.ok(route.proxy.tunnels.length >= 1, "the attempt went through the proxy");
});

test("an explicit agent wins over the proxy option and the environment", async (t) => {
  const server = await echoServer(t);
  const viaAgent = await routeThroughProxy(t, server.port, "http");
  const viaEnv = await routeThroughProxy(t, server.port, "http");
  useEnv(t, { NODE_USE_ENV_PROXY: "1", HTTP_PROXY: viaEnv.proxyUrl });
  const agent = new TunnelAgent(viaAgent.proxy);
  t.after(() => agent.destroy());
  const socket = track(
    t,
    io(viaAgent.virtualUrl, { transports: ["polling", "websocket"], agent, proxy: viaEnv.proxyUrl, reconnection: false, forceNew: true }),
  );
  await connectedOn(socket, "websocket");
  assert.ok(viaAgent.proxy.tunnels.length >= 2);
  assert.deepEqual(viaEnv.proxy.tunnels, []);
});

// ---------------------------------------------------------------------------------------------------------
// In a child process whose environment holds the proxy settings (as a user's would): the process still exits
// when it should, with autoUnref or after disconnect(), so a tunnel never keeps Node alive.

const fixture = fileURLToPath(new URL("./fixtures/unref-client.ts", import.meta.url));

/** Runs the unref fixture with `env` added; resolves with its exit code and output once it exits by itself. */
function runChild(t: TestContext, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, "siolink", ...args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  let exited = false;
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.once("exit", (code) => {
      exited = true;
      resolve({ code, out, err });
    }),
  );
  // A child that never exits fails the test through its timeout; it must not outlive the test.
  t.after(() => {
    if (!exited) child.kill("SIGKILL");
  });
  return done;
}

for (const { mode, transport } of [
  { mode: "idle-unref", transport: "websocket" },
  { mode: "idle-unref", transport: "polling" },
  { mode: "disconnect", transport: undefined },
]) {
  test(`child process with NODE_USE_ENV_PROXY=1: ${mode} (${transport ?? "default transports"}) exits by itself`, { timeout: 30_000 }, async (t) => {
    const server = await startServer(t, { pingInterval: 1000, pingTimeout: 1000 });
    const route = await routeThroughProxy(t, server.port, "http");
    const { code, out, err } = await runChild(t, [mode, route.virtualUrl, ...(transport ? [transport] : [])], {
      NODE_USE_ENV_PROXY: "1",
      HTTP_PROXY: route.proxyUrl,
      http_proxy: route.proxyUrl,
      NO_PROXY: "",
      no_proxy: "",
    });
    assert.equal(code, 0, `exit code (stderr: ${err})`);
    assert.match(out, /^connected$/m, "it connected (through the proxy: nothing else leads to the virtual address)");
    assert.ok(route.proxy.tunnels.length > 0);
  });
}
