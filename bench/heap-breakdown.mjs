// Where the heap of a connected client goes: connects N idle clients (WebSocket) of one library in this process,
// takes a V8 heap snapshot before and after, and prints the objects added per client, grouped by kind and
// constructor (closures by function name), largest first.
//
// Usage: node --expose-gc bench/heap-breakdown.mjs [siolink|socket.io-client] [N=200] [top=40]
//   siolink is loaded from .tmp/bench/siolink.mjs (node bench/build-node.mjs) or SIOLINK_ENTRY (a path).

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getHeapSnapshot } from "node:v8";
import { join } from "node:path";
import { loadIo, ROOT, settleGc, startServer } from "./common.mjs";

const [lib = "siolink", nArg = "200", topArg = "40"] = process.argv.slice(2);
const n = Number(nArg);
const top = Number(topArg);
/** HEAP_DETAIL=1: plain objects by their property names, strings by their text. */
const DETAIL = !!process.env.HEAP_DETAIL;

/** Counts and self sizes of the snapshot's nodes, by "kind:name". */
async function census() {
  await settleGc();
  const chunks = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk);
  const snap = JSON.parse(Buffer.concat(chunks).toString());
  const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const iEdges = fields.indexOf("edge_count");
  const { edge_fields: efields, edge_types: [etypes] } = snap.snapshot.meta;
  const ewidth = efields.length;
  const { nodes, strings, edges } = snap;
  const groups = new Map();
  const iToNode = efields.indexOf("to_node");
  // DETAIL: the first retainer of each node that is not a weak or internal edge: "Owner.field".
  const retainer = DETAIL ? new Map() : undefined;
  if (retainer) {
    let e = 0;
    for (let i = 0; i < nodes.length; i += width) {
      const end = e + nodes[i + iEdges] * ewidth;
      const owner = strings[nodes[i + iName]];
      for (; e < end; e += ewidth) {
        const t = etypes[edges[e]];
        if (t === "weak" || t === "shortcut" || t === "hidden") continue;
        const to = edges[e + iToNode];
        if (retainer.has(to)) continue;
        const label = t === "element" ? "[]" : t === "property" || t === "context" || t === "internal" ? strings[edges[e + 1]] : t;
        retainer.set(to, [i, `${owner.slice(0, 24)}.${String(label).slice(0, 24)}`]);
      }
    }
  }
  // "Owner.field <- Owner's owner.field": two levels, enough to tell whose plain object or array it is.
  const via = (i) => {
    const r = retainer.get(i);
    if (!r) return "?";
    const up = retainer.get(r[0]);
    return up ? `${r[1]} <- ${up[1]}` : r[1];
  };
  let edge = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const kind = types[nodes[i + iType]];
    const edgeCount = nodes[i + iEdges];
    let name = kind === "number" ? "" : strings[nodes[i + iName]];
    if (DETAIL && kind === "object" && (name === "Object" || name === "Array")) {
      // Plain objects by their property names: which shape they are tells who made them.
      const props = [];
      for (let e = edge; e < edge + edgeCount * ewidth; e += ewidth) {
        const t = etypes[edges[e]];
        if (t === "property") props.push(strings[edges[e + 1]]);
      }
      name += `{${props.slice(0, 6).join(",")}} <- ${via(i)}`;
    }
    if (!DETAIL && kind.includes("string")) name = "";
    if (DETAIL && (kind === "closure" || kind.includes("array") || kind === "hidden")) name += ` <- ${via(i)}`;
    edge += edgeCount * ewidth;
    if (name.length > 110) name = `${name.slice(0, 110)}…`;
    const key = `${kind}:${name}`;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[i + iSize];
    groups.set(key, g);
  }
  return groups;
}

const server = await startServer(join(ROOT, "bench", "server.mjs"));
try {
  const entry = lib === "siolink" ? pathToFileURL(resolve(process.env.SIOLINK_ENTRY ?? join(ROOT, ".tmp", "bench", "siolink.mjs"))).href : undefined;
  const io = await loadIo(lib, { siolinkEntry: entry });
  const connect = () =>
    new Promise((res, rej) => {
      const s = io(server.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      // As bench/client.mjs: each listener goes once the other fires.
      const onConnect = () => {
        s.off("connect_error", onError);
        res(s);
      };
      const onError = (err) => {
        s.off("connect", onConnect);
        rej(err);
      };
      s.once("connect", onConnect);
      s.once("connect_error", onError);
    });
  (await connect()).disconnect();
  await new Promise((r) => setTimeout(r, 100));
  const before = await census();
  const beforeUsed = process.memoryUsage().heapUsed;
  const sockets = [];
  for (let i = 0; i < n; i++) sockets.push(await connect());
  await new Promise((r) => setTimeout(r, 200));
  const after = await census();
  const afterUsed = (await settleGc(), process.memoryUsage().heapUsed);
  const rows = [];
  let total = 0;
  let objects = 0;
  for (const [key, g] of after) {
    const b = before.get(key) ?? { count: 0, size: 0 };
    const count = (g.count - b.count) / n;
    const size = (g.size - b.size) / n;
    if (Math.abs(count) < 0.5 && Math.abs(size) < 8) continue;
    total += size;
    objects += count;
    rows.push({ key, count, size });
  }
  rows.sort((a, b) => b.size - a.size);
  console.log(`${lib}: ${n} clients, heapUsed +${((afterUsed - beforeUsed) / n).toFixed(0)} B/client; snapshot +${total.toFixed(0)} B, ${objects.toFixed(1)} objects/client`);
  console.log("    B/client  objs/client  kind:name");
  for (const r of rows.slice(0, top)) console.log(`${r.size.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(11)}  ${r.key}`);
  for (const s of sockets) s.disconnect();
} finally {
  await server.stop();
}
