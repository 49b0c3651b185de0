// The `agent` option in Node: every connection (polling requests, the WebSocket, the upgrade probe) goes
// through the agent the user passes, here a CONNECT-tunnelling agent to a local proxy. The client is pointed
// at an address nothing listens on, which only the proxy maps to the real server: a client that bypassed its
// agent could not connect at all. Also TLS inside the tunnel (agent + `ca` together).

import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { clientTest, track, type ClientOptions } from "./helpers/clients";
import { makeCertificates } from "./helpers/interop/certs";
import { startConnectProxy, TunnelAgent, type ConnectProxy } from "./helpers/interop/connect-proxy";
import { startHttpsServer } from "./helpers/interop/https-server";
import { freePort } from "./helpers/interop/processes";
import { ackAll, connected } from "./helpers/interop/scenarios";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

interface Route {
  /** The address the client is given: only the proxy knows where it leads. */
  virtualUrl: string;
  proxy: ConnectProxy;
  virtualAuthority: string;
}

async function routeThroughProxy(t: TestContext, realPort: number, scheme: "http" | "https"): Promise<Route> {
  const virtualPort = await freePort();
  const virtualAuthority = `127.0.0.1:${virtualPort}`;
  const proxy = await startConnectProxy(t, new Map([[virtualAuthority, `127.0.0.1:${realPort}`]]));
  return { virtualUrl: `${scheme}://${virtualAuthority}`, proxy, virtualAuthority };
}

/** An echo handler on the default namespace of a 4.8 test server. */
function echo(io: { on(event: "connection", fn: (socket: { on(e: string, fn: (...a: unknown[]) => void): unknown }) => void): unknown }): void {
  io.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
  });
}

/** socket.io-client types `agent` as `string | boolean`; in Node it is an http.Agent, as its docs say. */
function agentOption(agent: TunnelAgent): ClientOptions {
  return { agent: agent as unknown as string };
}

const cases: Array<{ title: string; options: ClientOptions; expectTransport: "websocket" | "polling" }> = [
  { title: "polling only", options: { transports: ["polling"] }, expectTransport: "polling" },
  { title: "websocket only", options: { transports: ["websocket"] }, expectTransport: "websocket" },
  { title: "polling then upgrade", options: { transports: ["polling", "websocket"] }, expectTransport: "websocket" },
];

for (const { title, options, expectTransport } of cases) {
  clientTest(`agent (CONNECT proxy), ${title}: every connection goes through the agent`, async (t, lib) => {
    const server = await startServer(t);
    echo(server.io);
    const route = await routeThroughProxy(t, server.port, "http");
    const agent = new TunnelAgent(route.proxy);
    t.after(() => agent.destroy());

    const socket = track(t, lib.io(route.virtualUrl, { ...options, ...agentOption(agent), reconnection: false, forceNew: true }));
    await connected(socket);
    if (socket.io.engine.transport.name !== expectTransport) await once(socket.io.engine, "upgrade");
    assert.equal(socket.io.engine.transport.name, expectTransport);
    assert.deepEqual(await ackAll(socket, "echo", "via proxy", Buffer.from([7])), ["via proxy", Buffer.from([7])]);
    assert.ok(route.proxy.tunnels.length > 0);
    assert.deepEqual(new Set(route.proxy.tunnels), new Set([route.virtualAuthority]));
  });
}

clientTest("agent (CONNECT proxy) with TLS inside the tunnel: `ca` and the agent work together", async (t, lib) => {
  const certs = makeCertificates(t);
  const server = await startHttpsServer(t, { key: certs.serverKey, cert: certs.serverCert });
  const port = Number(new URL(server.url).port);
  const route = await routeThroughProxy(t, port, "https");
  const agent = new TunnelAgent(route.proxy, { secure: true });
  t.after(() => agent.destroy());

  const socket = track(t, lib.io(route.virtualUrl, { ...agentOption(agent), ca: certs.ca, reconnection: false, forceNew: true }));
  await connected(socket);
  if (socket.io.engine.transport.name !== "websocket") await once(socket.io.engine, "upgrade");
  assert.deepEqual(await ackAll(socket, "echo", "tls via proxy"), ["tls via proxy"]);
  assert.deepEqual(new Set(route.proxy.tunnels), new Set([route.virtualAuthority]));
});

clientTest("agent (CONNECT proxy): a proxy that refuses the tunnel gives connect_error", async (t, lib) => {
  const server = await startServer(t);
  const route = await routeThroughProxy(t, server.port, "http");
  const agent = new TunnelAgent(route.proxy);
  t.after(() => agent.destroy());
  // A port the proxy has no route for: it answers 403.
  const unrouted = `http://127.0.0.1:${server.port}`;
  const socket = track(t, lib.io(unrouted, { ...agentOption(agent), reconnection: false, forceNew: true }));
  const [error] = await once<[Error]>(socket, "connect_error");
  assert.ok(error instanceof Error);
  assert.equal(socket.connected, false);
  assert.ok(route.proxy.tunnels.includes(`127.0.0.1:${server.port}`), "the attempt must have gone to the proxy");
});
