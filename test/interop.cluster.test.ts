// A real cluster: two socket.io 4.8 nodes sharing Debian's redis-server through @socket.io/redis-adapter, behind
// Debian's nginx. Round robin without stickiness: broadcasts cross nodes, a WebSocket-first client works, a
// polling-only client fails with a clear transport error (the other node does not know its sid); with ip_hash
// the polling-only client works. Needs `bash test/helpers/interop/install.sh`.

import assert from "node:assert/strict";
import { after, before } from "node:test";
import { clientTest, loose, track, type ClientName, type ClientOptions, type ClientSocket } from "./helpers/clients";
import { startNginx, startNode, startRedis, type ClusterNode } from "./helpers/interop/cluster";
import { ackAll, connected } from "./helpers/interop/scenarios";
import { once } from "./helpers/wait";

const teardown: Array<() => unknown> = [];
const shared = { after: (fn: () => unknown) => teardown.push(fn) };

let nodes: ClusterNode[] = [];
let roundRobinUrl = "";
let ipHashUrl = "";

before(async () => {
  const redisPort = await startRedis(shared);
  nodes = await Promise.all([startNode(shared, "A", redisPort), startNode(shared, "B", redisPort)]);
  const ports = nodes.map((node) => node.port);
  [roundRobinUrl, ipHashUrl] = await Promise.all([
    startNginx(shared, ports, "round-robin"),
    startNginx(shared, ports, "ip_hash"),
  ]);
});

after(async () => {
  for (const fn of teardown.reverse()) await fn();
});

/**
 * WebSocket first: siolink's default; socket.io-client starts with polling by default (which needs stickiness,
 * see the polling-only test), so it is asked for WebSocket explicitly.
 */
function websocketFirst(name: ClientName): ClientOptions {
  return name === "siolink" ? {} : { transports: ["websocket"] };
}

async function nodeOf(socket: ClientSocket): Promise<string> {
  const [who] = await ackAll(socket, "whoami");
  return (who as { node: string }).node;
}

/** Broadcasts from `from` and resolves once `to` has it (it can only arrive through redis when they differ). */
async function crossBroadcast(from: ClientSocket, to: ClientSocket, text: string): Promise<{ from: string }> {
  const received = new Promise<{ from: string; text: string }>((resolve) => {
    const onBroadcast = (message: { from: string; text: string }): void => {
      if (message.text !== text) return;
      to.off("broadcast", onBroadcast);
      resolve(message);
    };
    to.on("broadcast", onBroadcast);
  });
  await ackAll(from, "broadcast", text);
  return received;
}

clientTest("round robin, no stickiness: WebSocket-first clients on both nodes get each other's broadcasts", async (t, lib, name) => {
  // Round robin sends consecutive connections to alternate nodes; connect until both nodes have a client.
  const byNode = new Map<string, ClientSocket>();
  for (let attempt = 0; attempt < 6 && byNode.size < 2; attempt++) {
    const socket = track(t, lib.io(roundRobinUrl, { ...websocketFirst(name), forceNew: true, reconnection: false }));
    await connected(socket);
    assert.equal(socket.io.engine.transport.name, "websocket");
    const node = await nodeOf(socket);
    if (!byNode.has(node)) byNode.set(node, socket);
    // The session stays on its node: several round trips, each answered by the same node.
    for (let i = 0; i < 3; i++) assert.equal(await nodeOf(socket), node);
  }
  const onA = byNode.get("A");
  const onB = byNode.get("B");
  assert.ok(onA && onB, `clients landed only on ${[...byNode.keys()].join(", ")}`);
  assert.deepEqual(await crossBroadcast(onA, onB, "from A to B"), { from: "A", text: "from A to B" });
  assert.deepEqual(await crossBroadcast(onB, onA, "from B to A"), { from: "B", text: "from B to A" });
});

clientTest("round robin, no stickiness: a polling-only client fails with a clear transport error", async (t, lib) => {
  const before = new Map(nodes.map((node) => [node.name, node.connectionErrors().length]));
  const socket = track(t, lib.io(roundRobinUrl, { transports: ["polling"], forceNew: true, reconnection: false }));
  let connectedOnce = false;
  socket.on("connect", () => (connectedOnce = true));
  // The handshake lands on one node, the next request on the other one, which answers 400 "Session ID unknown".
  const [error] = await once<[Error & { description?: unknown }]>(loose(socket.io), "error");
  assert.match(error.message, /^xhr (poll|post) error$/);
  assert.equal(error.description, 400);
  assert.equal(connectedOnce, false);
  assert.equal(socket.connected, false);
  const unknownSid = nodes.flatMap((node) => node.connectionErrors().slice(before.get(node.name)));
  assert.ok(unknownSid.includes("Session ID unknown"), `the nodes reported: ${JSON.stringify(unknownSid)}`);
});

clientTest("ip_hash: a polling-only client works and shares broadcasts with the other node", async (t, lib, name) => {
  const polling = track(t, lib.io(ipHashUrl, { transports: ["polling"], forceNew: true, reconnection: false }));
  await connected(polling);
  assert.equal(polling.io.engine.transport.name, "polling");
  const node = await nodeOf(polling);
  for (let i = 0; i < 5; i++) assert.equal(await nodeOf(polling), node, "ip_hash must keep every request on one node");

  // A peer connected straight to the other node: the broadcast can only reach it through redis.
  const other = nodes.find((candidate) => candidate.name !== node) as ClusterNode;
  const peer = track(t, lib.io(`http://127.0.0.1:${other.port}`, { ...websocketFirst(name), forceNew: true, reconnection: false }));
  await connected(peer);
  assert.equal(await nodeOf(peer), other.name);
  assert.deepEqual(await crossBroadcast(polling, peer, "polling to peer"), { from: node, text: "polling to peer" });
  assert.deepEqual(await crossBroadcast(peer, polling, "peer to polling"), { from: other.name, text: "peer to polling" });
});
