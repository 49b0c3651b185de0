// Drop-in proof, the whole public surface: reads the installed socket.io-client's published typings with the
// TypeScript compiler API and fails when siolink lacks any export of its index, or any Manager or Socket
// member they declare public (inherited emitter methods included), at runtime and in siolink's own types.
// A socket.io-client release that adds one turns this red. Each member must also be listed in COVERAGE with
// the behaviour test (against a real socket.io server) that exercises it; the listed test must exist.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as siolink from "../src/index";
import * as siolinkWebSocket from "../src/websocket";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const clientTypings = join(dirname(require.resolve("socket.io-client/package.json")), "build/esm/index.d.ts");

/** Where each export and member is exercised against a real server: "file: test title" (title as registered). */
const COVERAGE: Record<string, string> = {
  // index exports
  "export io": "compat.connect.test.ts: io() and connect() and the default export are the same lookup function",
  "export connect": "compat.connect.test.ts: io() and connect() and the default export are the same lookup function",
  "export default": "compat.connect.test.ts: io() and connect() and the default export are the same lookup function",
  "export Manager": "compat.namespaces.test.ts: many namespaces on one connection through Manager.socket()",
  "export Socket": "compat.connect.test.ts: connects over the default transports; socket.id matches the server's",
  "export protocol": "index.api.test.ts: exports: io is connect is default, with Manager, Socket, protocol on it",
  "export WebTransport": "transport.webtransport.test.ts: transports: [WebTransport, WebSocket] (socket.io-client's export) connects over WebTransport",
  "export WebSocket": "compat.transports.test.ts: transports: [${which}] connects over WebSocket only",
  "export NodeWebSocket": "compat.transports.test.ts: transports: [${which}] connects over WebSocket only",
  "export NodeXHR": "compat.transports.test.ts: transports: [${which}] stays on HTTP long-polling",
  "export Fetch": "browser/esm.test.ts: transports: [${which}] (the export) connects, with the request API it names",
  "export XHR": "browser/esm.test.ts: transports: [${which}] (the export) connects, with the request API it names",
  // type-only exports: compiled against by the suite's socket.io-client-typed tests
  "export DisconnectDescription": "compat.disconnect.test.ts: server closes the engine connection → \"transport close\", then reconnects by itself",
  "export ExtendedError": "compat.connect.test.ts: middleware refusal: connect_error with message and data, no retry loop, inactive",
  "export ManagerOptions": "compat.reconnect.test.ts: manager.reconnection() and friends read and set the options",
  "export ManagerReservedEvents": "compat.reconnect.test.ts: Manager open/error events: 'open' on connect, 'error' when the server is unreachable",
  "export SocketOptions": "compat.connect.test.ts: auth object reaches the server's handshake",
  "export SocketReservedEvents": "compat.connect.test.ts: connected / disconnected / active flags through the lifecycle",

  // Manager
  "Manager.engine": "compat.engine.test.ts: engine.id, engine.transport.name and engine.readyState",
  "Manager._autoConnect": "compat.manager.test.ts: _autoConnect reads the option and, set, decides whether new sockets connect",
  "Manager._readyState": "compat.manager.test.ts: _readyState and _reconnecting follow open, lost connection, reconnection attempt, reconnect",
  "Manager._reconnecting": "compat.manager.test.ts: _readyState and _reconnecting follow open, lost connection, reconnection attempt, reconnect",
  "Manager.opts": "compat.members.test.ts: manager.opts holds the options it was created with, path defaulted",
  "Manager.reconnection": "compat.reconnect.test.ts: manager.reconnection() and friends read and set the options",
  "Manager.reconnectionAttempts": "compat.reconnect.test.ts: reconnectionAttempts exhausted → reconnect_failed after that many attempts",
  "Manager.reconnectionDelay": "compat.reconnect.test.ts: manager.reconnection() and friends read and set the options",
  "Manager.randomizationFactor": "compat.reconnect.test.ts: manager.reconnection() and friends read and set the options",
  "Manager.reconnectionDelayMax": "compat.reconnect.test.ts: manager.reconnection() and friends read and set the options",
  "Manager.timeout": "compat.reconnect.test.ts: manager timeout → connect_error when the server never answers the handshake",
  "Manager.open": "compat.manager.test.ts: _destroy(socket) closes the connection only when no socket of the Manager is active",
  "Manager.connect": "compat.members.test.ts: manager.connect(cb) is open(cb): called once opened, or with the error",
  "Manager.socket": "compat.namespaces.test.ts: many namespaces on one connection through Manager.socket()",
  "Manager._destroy": "compat.manager.test.ts: _destroy(socket) closes the connection only when no socket of the Manager is active",
  "Manager._packet": "compat.manager.test.ts: _packet(packet) encodes a packet and writes it through engine.write, options included",
  "Manager._close": "compat.manager.test.ts: _close() closes for good: sockets disconnect, no reconnection, socket.connect() starts again",
  "Manager.on": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.once": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.off": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.emit": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.listeners": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.hasListeners": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.removeListener": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Manager.removeAllListeners": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",

  // Socket
  "Socket.io": "compat.namespaces.test.ts: two namespaces multiplexed over one Manager and one connection",
  "Socket.id": "compat.connect.test.ts: connects over the default transports; socket.id matches the server's",
  "Socket.connected": "compat.connect.test.ts: connected / disconnected / active flags through the lifecycle",
  "Socket.disconnected": "compat.connect.test.ts: connected / disconnected / active flags through the lifecycle",
  "Socket.active": "compat.connect.test.ts: connected / disconnected / active flags through the lifecycle",
  "Socket.open": "compat.connect.test.ts: connected / disconnected / active flags through the lifecycle",
  "Socket.close": "compat.connect.test.ts: connected / disconnected / active flags through the lifecycle",
  "Socket.recovered": "compat.recovery.test.ts: after a transport close the session is recovered with the missed events",
  "Socket.auth": "compat.connect.test.ts: auth object reaches the server's handshake",
  "Socket.receiveBuffer": "compat.members.test.ts: socket.receiveBuffer holds events that arrive before the namespace's CONNECT reply",
  "Socket.sendBuffer": "compat.members.test.ts: socket.sendBuffer holds the emits made while disconnected; what is left in it is sent on connect",
  "Socket.connect": "compat.recovery.test.ts: a manual disconnect and connect() is not recovered",
  "Socket.send": "compat.emit.test.ts: send() is the 'message' event, both ways",
  "Socket.emit": "compat.emit.test.ts: emit client → server with several arguments of every JSON type",
  "Socket.emitWithAck": "compat.acks.test.ts: emitWithAck resolves with the ack's first argument",
  "Socket.disconnect": "compat.disconnect.test.ts: socket.disconnect() → \"io client disconnect\"; the server sees the client leave",
  "Socket.compress": "compat.emit.test.ts: compress(false) is accepted, chainable, and the event is delivered",
  "Socket.volatile": "compat.emit.test.ts: volatile emit while disconnected is dropped; a normal one is buffered",
  "Socket.timeout": "compat.acks.test.ts: timeout(ms).emit: error-first callback, with an Error when the server never acks",
  "Socket.onAny": "compat.emit.test.ts: onAny / prependAny / offAny / listenersAny on incoming events",
  "Socket.prependAny": "compat.emit.test.ts: onAny / prependAny / offAny / listenersAny on incoming events",
  "Socket.offAny": "compat.emit.test.ts: onAny / prependAny / offAny / listenersAny on incoming events",
  "Socket.listenersAny": "compat.emit.test.ts: onAny / prependAny / offAny / listenersAny on incoming events",
  "Socket.onAnyOutgoing": "compat.emit.test.ts: onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing see emits without the ack callback",
  "Socket.prependAnyOutgoing": "compat.emit.test.ts: onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing see emits without the ack callback",
  "Socket.offAnyOutgoing": "compat.emit.test.ts: onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing see emits without the ack callback",
  "Socket.listenersAnyOutgoing": "compat.emit.test.ts: onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing see emits without the ack callback",
  "Socket.on": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Socket.once": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Socket.off": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Socket.listeners": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Socket.hasListeners": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Socket.removeListener": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
  "Socket.removeAllListeners": "compat.members.test.ts: emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners",
};

interface Surface {
  /** Every export of the index, and whether it is a value (exists at runtime). */
  exports: Map<string, { value: boolean }>;
  /** Public members (not private, not protected) of each class, inherited ones included. */
  members: Record<"Manager" | "Socket", string[]>;
}

/** Public: neither `private` / `protected` nor a `#private` name. */
function isPublic(member: ts.Symbol): boolean {
  const declaration = member.valueDeclaration ?? member.declarations?.[0];
  const flags = declaration === undefined ? 0 : ts.getCombinedModifierFlags(declaration);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0 && !member.name.startsWith("__#");
}

/** The exports and class members declared by the typings whose entry is `entry`. */
function readSurface(entry: string): Surface {
  const program = ts.createProgram([entry], {
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  assert.ok(source, `cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, `${entry} is not a module`);
  const exports = new Map<string, { value: boolean }>();
  const members = {} as Surface["members"];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    exports.set(exported.name, { value: (target.flags & ts.SymbolFlags.Value) !== 0 });
    if ((exported.name === "Manager" || exported.name === "Socket") && target.flags & ts.SymbolFlags.Class) {
      const instance = checker.getDeclaredTypeOfSymbol(target);
      members[exported.name] = checker
        .getPropertiesOfType(instance)
        .filter(isPublic)
        .map((member) => member.name)
        .sort();
    }
  }
  return { exports, members };
}

const upstream = readSurface(clientTypings);
const own = readSurface(join(root, "src/index.ts"));
const ownWebSocket = readSurface(join(root, "src/websocket.ts"));

test("the typings read are socket.io-client's: its known exports and members are found", () => {
  // Guards the reader itself: were it to find nothing, every other check here would pass vacuously.
  for (const name of ["io", "Manager", "Socket", "ManagerOptions", "WebSocket"]) assert.ok(upstream.exports.has(name), name);
  for (const name of ["_close", "engine", "opts", "on"]) assert.ok(upstream.members.Manager.includes(name), name);
  for (const name of ["emit", "volatile", "sendBuffer", "off"]) assert.ok(upstream.members.Socket.includes(name), name);
  assert.ok(!upstream.members.Manager.includes("subs"), "private members are left out");
  assert.ok(!upstream.members.Manager.includes("emitReserved"), "protected members are left out");
});

for (const [entry, types, runtime] of [
  ["siolink", own, siolink],
  ["siolink/websocket", ownWebSocket, siolinkWebSocket],
] as const) {
  test(`${entry} has every export of socket.io-client (values at runtime, types in its typings)`, () => {
    const missing: string[] = [];
    for (const [name, { value }] of upstream.exports) {
      if (!types.exports.has(name)) missing.push(`${name} (typings)`);
      if (value && !(name in runtime)) missing.push(`${name} (runtime)`);
    }
    assert.deepEqual(missing, []);
  });
}

test("siolink's Manager and Socket typings declare every public member of socket.io-client's", () => {
  const missing: string[] = [];
  for (const cls of ["Manager", "Socket"] as const) {
    for (const name of upstream.members[cls]) if (!own.members[cls].includes(name)) missing.push(`${cls}.${name}`);
  }
  assert.deepEqual(missing, []);
});

test("a connected siolink Manager and Socket have every public member of socket.io-client's", async (t) => {
  const server = await startServer(t);
  const socket = siolink.io(server.url, { forceNew: true });
  t.after(() => socket.disconnect());
  await once(socket, "connect");
  const missing: string[] = [];
  for (const [cls, instance] of [["Manager", socket.io], ["Socket", socket]] as const) {
    for (const name of upstream.members[cls]) if (!(name in instance)) missing.push(`${cls}.${name}`);
  }
  assert.deepEqual(missing, []);
});

test("every export and member found is mapped to an existing behaviour test", () => {
  const found = [
    ...[...upstream.exports.keys()].map((name) => `export ${name}`),
    ...upstream.members.Manager.map((name) => `Manager.${name}`),
    ...upstream.members.Socket.map((name) => `Socket.${name}`),
  ];
  assert.deepEqual(found.filter((key) => COVERAGE[key] === undefined), [], "add these to COVERAGE with their test");
  const problems: string[] = [];
  for (const key of found) {
    const [file, title] = COVERAGE[key]!.split(/: (.*)/s) as [string, string];
    const text = readFileSync(join(root, "test", file), "utf8");
    // Titles are string literals in the file (JSON-style escapes for quotes) or template literals.
    const literals = [JSON.stringify(title), `'${title}'`, `\`${title}\``];
    if (!literals.some((literal) => text.includes(literal))) problems.push(`${key}: no test "${title}" in test/${file}`);
  }
  assert.deepEqual(problems, []);
});
