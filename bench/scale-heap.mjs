// Heap snapshot summary for the scale bench: what one more connected client costs, and who holds it.
//
// Usage: node --max-old-space-size=8192 bench/scale-heap.mjs DIR FROM TO [lib...]
//   DIR holds <lib>-<FROM>.heapsnapshot and <lib>-<TO>.heapsnapshot, as written by
//   `node bench/scale.mjs --snapshot-dir DIR --checkpoint FROM --clients TO` (it also writes <lib>-0, the
//   baseline; diffing two loaded snapshots instead leaves out code V8 compiled while the first clients came in).
// Prints per library:
//   1. by kind: (bytes in TO - bytes in FROM) / (TO - FROM), grouped by constructor (objects), function name
//      (closures) or V8 category, with the objects' count per client;
//   2. by owner: every object in the TO snapshot is charged to its nearest dominator (in the heap's dominator
//      tree: the object through which alone it is reachable) that is a class instance with a name of its own,
//      so a Manager is charged for its private arrays, Maps, closures and their contexts. Shown per client for
//      the classes that have about one instance or more per client.

import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, fromArg, toArg, ...libsArg] = process.argv.slice(2);
if (!dir || !fromArg || !toArg) {
  process.stderr.write("usage: node bench/scale-heap.mjs DIR FROM TO [lib...]\n");
  process.exit(2);
}
const FROM = Number(fromArg);
const TO = Number(toArg);
const PER = TO - FROM;
const libs = libsArg.length ? libsArg : ["siolink", "socket.io-client"];

/** Names that say nothing about who owns an object: charged to a dominator with a better name. */
function isGeneric(key) {
  return (
    key === "Object" ||
    key === "Array" ||
    key === "Map" ||
    key === "Set" ||
    key === "Promise" ||
    key.startsWith("(") ||
    key.startsWith("closure ") ||
    key.startsWith("system /")
  );
}

function load(path) {
  const snap = JSON.parse(readFileSync(path, "utf8"));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields;
  const ef = meta.edge_fields;
  const types = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const W = nf.length;
  const EW = ef.length;
  const iType = nf.indexOf("type");
  const iName = nf.indexOf("name");
  const iSize = nf.indexOf("self_size");
  const iEdges = nf.indexOf("edge_count");
  const iEType = ef.indexOf("type");
  const iTo = ef.indexOf("to_node");
  const { nodes, edges, strings } = snap;
  const count = nodes.length / W;

  const keys = new Array(count);
  const size = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    const type = types[nodes[n * W + iType]];
    const name = strings[nodes[n * W + iName]];
    size[n] = nodes[n * W + iSize];
    if (type === "object") keys[n] = name;
    else if (type === "closure") keys[n] = `closure ${name || "(anonymous)"}`;
    else if (type === "string" || type === "concatenated string" || type === "sliced string") keys[n] = "(string)";
    else if (type === "array" || type === "hidden" || type === "native") keys[n] = `(${type}) ${name}`;
    else if (type === "code") keys[n] = "(code)";
    else if (type === "number" || type === "bigint") keys[n] = "(heap number)";
    else keys[n] = `(${type})`;
  }

  // Three classes are called Socket: tell them apart by a property only one of them has.
  const iEName = ef.indexOf("name_or_index");
  const property = edgeTypes.indexOf("property");
  for (let n = 0, e = 0; n < count; n++) {
    const end = e + nodes[n * W + iEdges] * EW;
    if (keys[n] === "Socket") {
      for (let x = e; x < end; x += EW) {
        if (edges[x + iEType] !== property) continue;
        const name = strings[edges[x + iEName]];
        if (name === "_handle") keys[n] = "Socket (node:net)";
        else if (name === "nsp") keys[n] = "Socket (namespace)";
        else if (name === "pingInterval" || name === "transports") keys[n] = "Socket (engine.io-client)";
        else continue;
        break;
      }
    }
    e = end;
  }

  // Successor lists without weak edges (they do not keep anything alive).
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += nodes[n * W + iEdges] * EW;
  }
  firstEdge[count] = edges.length;
  const weak = edgeTypes.indexOf("weak");
  const succ = (n, fn) => {
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EW) if (edges[e + iEType] !== weak) fn(edges[e + iTo] / W);
  };

  // Dominators (Cooper, Harvey & Kennedy), over the nodes reachable from the root (node 0), in reverse postorder.
  const order = new Int32Array(count).fill(-1); // postorder number
  const post = [];
  {
    const stack = [0];
    const iter = [firstEdge[0]];
    order[0] = -2;
    while (stack.length) {
      const n = stack[stack.length - 1];
      let e = iter[iter.length - 1];
      let pushed = false;
      for (; e < firstEdge[n + 1]; e += EW) {
        if (edges[e + iEType] === weak) continue;
        const to = edges[e + iTo] / W;
        if (order[to] === -1) {
          order[to] = -2;
          iter[iter.length - 1] = e + EW;
          stack.push(to);
          iter.push(firstEdge[to]);
          pushed = true;
          break;
        }
      }
      if (!pushed) {
        stack.pop();
        iter.pop();
        order[n] = post.length;
        post.push(n);
      }
    }
  }
  const preds = new Array(count);
  for (const n of post) succ(n, (to) => (preds[to] ??= []).push(n));
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a, b) => {
    while (a !== b) {
      while (order[a] < order[b]) a = idom[a];
      while (order[b] < order[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = post.length - 2; i >= 0; i--) {
      const n = post[i];
      let d = -1;
      for (const p of preds[n] ?? []) {
        if (idom[p] === -1) continue;
        d = d === -1 ? p : intersect(p, d);
      }
      if (d !== -1 && idom[n] !== d) {
        idom[n] = d;
        changed = true;
      }
    }
  }

  // Owner: nearest strict dominator (or the node itself) with a specific class name.
  const owner = new Int32Array(count).fill(-1);
  const ownerOf = (n) => {
    if (owner[n] !== -1) return owner[n];
    const chain = [];
    let m = n;
    while (owner[m] === -1 && isGeneric(keys[m]) && idom[m] !== m && idom[m] !== -1) {
      chain.push(m);
      m = idom[m];
    }
    const o = owner[m] !== -1 ? owner[m] : m;
    owner[m] = o;
    for (const c of chain) owner[c] = o;
    return o;
  };

  const byKind = new Map();
  const byOwner = new Map();
  const instances = new Map();
  let total = 0;
  for (let n = 0; n < count; n++) {
    total += size[n];
    const k = byKind.get(keys[n]) ?? { size: 0, count: 0 };
    k.size += size[n];
    k.count++;
    byKind.set(keys[n], k);
    if (!isGeneric(keys[n])) instances.set(keys[n], (instances.get(keys[n]) ?? 0) + 1);
    if (idom[n] === -1) continue; // unreachable from the root: garbage the snapshot still listed
    const o = ownerOf(n);
    const ok = keys[o];
    const entry = byOwner.get(ok) ?? { size: 0, parts: new Map() };
    entry.size += size[n];
    entry.parts.set(keys[n], (entry.parts.get(keys[n]) ?? 0) + size[n]);
    byOwner.set(ok, entry);
  }
  return { byKind, byOwner, instances, total };
}

const f0 = (v) => v.toFixed(0);

for (const lib of libs) {
  const before = load(join(dir, `${lib}-${FROM}.heapsnapshot`));
  const after = load(join(dir, `${lib}-${TO}.heapsnapshot`));
  const totalPer = (after.total - before.total) / PER;
  process.stdout.write(`\n${lib}: clients ${FROM} -> ${TO}, snapshot heap +${(totalPer / 1024).toFixed(2)} KiB per client\n`);

  process.stdout.write(`\n  by kind${" ".repeat(37)}${"objs/client".padStart(12)}${"B/client".padStart(10)}${"%".padStart(7)}\n`);
  const kinds = [];
  for (const [key, a] of after.byKind) {
    const b = before.byKind.get(key) ?? { size: 0, count: 0 };
    const s = (a.size - b.size) / PER;
    if (Math.abs(s) >= 8) kinds.push({ key, size: s, count: (a.count - b.count) / PER });
  }
  kinds.sort((x, y) => y.size - x.size);
  for (const r of kinds.slice(0, 30)) {
    process.stdout.write(`  ${r.key.slice(0, 42).padEnd(44)}${r.count.toFixed(2).padStart(12)}${f0(r.size).padStart(10)}${((100 * r.size) / totalPer).toFixed(1).padStart(7)}\n`);
  }

  process.stdout.write(`\n  by owner (dominator)${" ".repeat(24)}${"inst/client".padStart(12)}${"B/client".padStart(10)}${"%".padStart(7)}  largest parts (B/client)\n`);
  const owners = [];
  for (const [key, a] of after.byOwner) {
    const b = before.byOwner.get(key) ?? { size: 0, parts: new Map() };
    const s = (a.size - b.size) / PER;
    if (Math.abs(s) < 8) continue;
    const parts = [...a.parts]
      .map(([k, v]) => [k, (v - (b.parts.get(k) ?? 0)) / PER])
      .filter(([, v]) => v >= 8)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5)
      .map(([k, v]) => `${k} ${f0(v)}`)
      .join(", ");
    const inst = ((after.instances.get(key) ?? 0) - (before.instances.get(key) ?? 0)) / PER;
    owners.push({ key, size: s, inst, parts });
  }
  owners.sort((x, y) => y.size - x.size);
  for (const r of owners.slice(0, 30)) {
    process.stdout.write(
      `  ${r.key.slice(0, 42).padEnd(44)}${r.inst.toFixed(2).padStart(12)}${f0(r.size).padStart(10)}${((100 * r.size) / totalPer).toFixed(1).padStart(7)}  ${r.parts}\n`,
    );
  }
  process.stdout.write(`HEAP_JSON ${JSON.stringify({ lib, from: FROM, to: TO, perClientBytes: totalPer, kinds: kinds.slice(0, 60), owners: owners.slice(0, 60) })}\n`);
}
