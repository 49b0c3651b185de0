// Where the bytes of each browser bundle go: gzip -9 bytes charged to source modules through the source maps,
// grouped by layer, beside socket.io-client's script-tag bundle (charged the same way through its shipped map).
//
//   npx rollup -c && npm run size          # table (run `npx rollup -c` after any change in src/)
//   npm run size -- --markdown             # the layer table as Markdown (README / issue notes)
//   npm run size -- --json                 # every number, one JSON object
//   npm run size -- --marginal             # charge by marginal gzip cost in bundle order (see below)
//
// Also prints what `import { io }` adds to an app bundled and minified by esbuild, as Vite does.
//
// Bundles: dist/siolink.min.js, dist/siolink.websocket.min.js (and dist/siolink.msgpack.min.js when built) as
// shipped; dist/browser/index.mjs and
// dist/browser/websocket.mjs minified the way test/size.test.ts minifies them (terser, what an app's bundler
// does; their two dependencies, engine.io-parser and the emitter, are the app's and are not counted there).
//
// Method (default, "share"): decode the bundle's source map (Base64 VLQ "mappings"); every minified byte
// belongs to the mapping segment it sits in (from a segment's column to the next segment's), so to that
// segment's original source; bytes in segments without a source (the IIFE wrapper, the banner, the
// sourceMappingURL comment, line breaks; in socket.io-client's ES5 bundle also Babel's helpers) are "(unmapped)". The bundle's whole gzip -9 size is then split
// between modules in proportion to their minified bytes. The column total is exactly the bundle's gzip size.
// It assumes every minified byte compresses equally well: long error strings compress better than mangled
// code, so it over-charges text-heavy modules slightly.
// --marginal: walk the bundle in order and cut it into runs of consecutive bytes of one module; a run's cost
// is gzip(bundle up to the run's end) − gzip(bundle up to its start). Totals are exact too, but a module that
// comes late benefits from repeated text earlier in the bundle (gzip's 32 KiB window), so the order matters.
// Both methods agree to within a few percent per layer; use one method when comparing two builds.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = new Set(process.argv.slice(2));
if (args.has("--help") || args.has("-h")) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n\n")[0].replace(/^\/\/ ?/gm, ""));
  process.exit(0);
}
const method = args.has("--marginal") ? "marginal" : "share";

/**
 * Layers, first match wins; paths are relative to the repository (node_modules/... for dependencies) or, for
 * socket.io-client, "sio:" + the path inside node_modules. A file of src/ that matches nothing lands in
 * "entry, shared internals", so a new module shows up (and can be given a layer here).
 */
const layers = [
  ["Socket (socket, outbox and acks, listeners)", [/^src\/socket(\.ts|\/)/,
    /^src\/(outbox|listeners|link|exactly-once)\.ts$/, /^src\/internal\/subscriptions\.ts$/,
    /^sio:socket\.io-client\/build\/esm\/(socket|on)\.js$/]],
  ["Manager, backoff, io() cache", [/^src\/(manager|manager-base|manager-options|backoff|registry)(\.ts|\/)/,
    /^sio:socket\.io-client\/build\/esm\/(manager|index|contrib\/backo2)\.js$/]],
  ["Engine.IO session, handshake, heartbeat, upgrade", [/^src\/engine\//,
    /^sio:engine\.io-client\/build\/esm\/(socket|index|util)\.js$/]],
  ["transports", [/^src\/transports\//, /^sio:engine\.io-client\/build\/esm\/(transport\.js|transports\/|contrib\/has-cors)/]],
  ["browser platform", [/^src\/platform\//, /^sio:engine\.io-client\/build\/esm\/globals/]],
  ["Socket.IO codec", [/^src\/codec\//, /^sio:socket\.io-parser\//]],
  ["URL, errors, engine.io-parser, emitter", [/^src\/(url|errors|internal\/emitter)\.ts$/, /engine\.io-parser\//, /component-emitter\//,
    /^sio:socket\.io-client\/build\/esm\/url\.js$/, /^sio:engine\.io-client\/build\/esm\/contrib\/(parseuri|parseqs)/]],
  ["entry, shared internals", [/^src\//, /^sio:/]],
  ["(unmapped: wrapper, banner, helpers, map comment)", [/^\(unmapped\)$/]],
];
const layerOf = (module) => layers.find(([, patterns]) => patterns.some((p) => p.test(module)))?.[0] ?? "other";

function read(file) {
  const path = join(root, file);
  if (!existsSync(path)) {
    console.error(`${file} is missing: run \`npx rollup -c\` first`);
    process.exit(1);
  }
  return readFileSync(path, "utf8");
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const digit = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) digit[BASE64.charCodeAt(i)] = i;

/**
 * Source map v3 "mappings" → per generated line, [column, sourceIndex | -1] pairs. Each segment is 1, 4 or 5
 * Base64 VLQ numbers; the column restarts at every line, the source index is relative across the whole map.
 */
function decodeMappings(mappings) {
  const lines = [];
  let line = [];
  let source = 0;
  let i = 0;
  const vlq = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const d = digit[mappings.charCodeAt(i++)];
      if (d === undefined || d < 0) throw new Error(`bad VLQ digit at ${i - 1} in the source map`);
      value += (d & 31) * 2 ** shift;
      shift += 5;
      if (!(d & 32)) break;
    }
    return value % 2 === 1 ? -(value - 1) / 2 : value / 2;
  };
  let column = 0;
  while (i <= mappings.length) {
    const c = mappings[i];
    if (i === mappings.length || c === ";") {
      lines.push(line);
      line = [];
      column = 0;
      i++;
      continue;
    }
    if (c === ",") {
      i++;
      continue;
    }
    column += vlq();
    const fields = [];
    while (i < mappings.length && mappings[i] !== "," && mappings[i] !== ";") fields.push(vlq());
    if (fields.length >= 3) {
      source += fields[0];
      line.push([column, source]);
    } else {
      line.push([column, -1]);
    }
  }
  return lines;
}

/** A map's source path → the module name used in the report. */
function moduleName(source, map, mapFile, foreign) {
  const sourceRoot = map.sourceRoot ?? "";
  const abs = resolve(dirname(join(root, mapFile)), sourceRoot, source);
  if (foreign) return `sio:${relative(join(root, "node_modules"), abs).split("\\").join("/")}`;
  return relative(root, abs).split("\\").join("/");
}

/** Runs of consecutive bytes of one module, in bundle order: [module, bytes][]. */
function runs(code, map, mapFile, foreign = false) {
  const names = map.sources.map((s) => moduleName(s, map, mapFile, foreign));
  const lines = decodeMappings(map.mappings);
  const out = [];
  const push = (module, text) => {
    const bytes = Buffer.byteLength(text);
    if (bytes === 0) return;
    const last = out[out.length - 1];
    if (last && last[0] === module) last[1] += bytes;
    else out.push([module, bytes]);
  };
  const codeLines = code.split("\n");
  codeLines.forEach((text, n) => {
    const segments = lines[n] ?? [];
    push("(unmapped)", text.slice(0, segments[0]?.[0] ?? text.length));
    segments.forEach(([column, source], k) => {
      push(source < 0 ? "(unmapped)" : names[source], text.slice(column, segments[k + 1]?.[0] ?? text.length));
    });
    if (n < codeLines.length - 1) push("(unmapped)", "\n");
  });
  return out;
}

/** Gzip -9 bytes charged to each module: Map<module, {raw, gzip}> and the bundle's totals. */
function charge(code, map, mapFile, foreign) {
  const bytes = Buffer.from(code);
  const total = gzipSync(bytes, { level: 9 }).length;
  const parts = runs(code, map, mapFile, foreign);
  const modules = new Map();
  const entry = (m) => modules.get(m) ?? modules.set(m, { raw: 0, gzip: 0 }).get(m);
  for (const [m, raw] of parts) entry(m).raw += raw;
  if (method === "share") {
    for (const value of modules.values()) value.gzip = (value.raw / bytes.length) * total;
  } else {
    let offset = 0;
    let before = gzipSync(Buffer.alloc(0), { level: 9 }).length;
    const base = before;
    for (const [m, raw] of parts) {
      offset += raw;
      const after = gzipSync(bytes.subarray(0, offset), { level: 9 }).length;
      entry(m).gzip += after - before;
      before = after;
    }
    entry("(unmapped)").gzip += base; // the gzip header and trailer
  }
  return { modules, raw: bytes.length, gzip: total };
}

/** An ESM build minified as test/size.test.ts does, with terser composing the map back to src/. */
async function minifiedEsm(file) {
  const { minify } = await import("terser");
  const result = await minify(read(file), {
    ecma: 2020,
    module: true,
    compress: { ecma: 2020, passes: 3 },
    mangle: true,
    sourceMap: { content: read(`${file}.map`), asObject: true },
  });
  return { code: result.code ?? "", map: typeof result.map === "string" ? JSON.parse(result.map) : result.map };
}

const bundles = [
  { label: "siolink.min.js", short: "min.js", file: "dist/siolink.min.js" },
  { label: "siolink.websocket.min.js", short: "ws.min.js", file: "dist/siolink.websocket.min.js" },
  { label: "browser/index.mjs, minified", short: "index.mjs", file: "dist/browser/index.mjs", esm: true },
  { label: "browser/websocket.mjs, minified", short: "websocket.mjs", file: "dist/browser/websocket.mjs", esm: true },
  { label: "siolink.msgpack.min.js", short: "msgpack.min", file: "dist/siolink.msgpack.min.js", optional: true },
].filter((b) => !b.optional || existsSync(join(root, b.file)));
const sio = { label: "socket.io-client socket.io.min.js", short: "socket.io.min", file: "node_modules/socket.io-client/dist/socket.io.min.js", foreign: true };

const results = [];
for (const bundle of [...bundles, sio]) {
  let code;
  let map;
  if (bundle.esm) ({ code, map } = await minifiedEsm(bundle.file));
  else {
    code = read(bundle.file);
    map = existsSync(join(root, `${bundle.file}.map`)) ? JSON.parse(read(`${bundle.file}.map`)) : null;
  }
  const mapFile = bundle.esm ? bundle.file : `${bundle.file}.map`;
  const charged = map
    ? charge(code, map, mapFile, bundle.foreign)
    : { modules: new Map(), raw: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
  results.push({ ...bundle, ...charged });
}

/**
 * What an app's production build adds: `import { io } from "<package>"` bundled for the browser and minified by
 * esbuild (what Vite's production build minifies with; target es2022, as Vite's default browsers take class
 * private fields unlowered), dependencies included and tree-shaken, gzip -9.
 * esbuild comes with tsx (a dev dependency); without it this part is skipped.
 */
async function appBundles() {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    return null;
  }
  // By package name, so the package's exports map decides which file an app gets, under the conditions of a
  // production build (Vite and webpack add "production"): dist/browser/*.prod.mjs for siolink.
  const entries = [
    ["siolink", "siolink"],
    ["siolink/websocket", "siolink/websocket"],
    ["socket.io-client", "socket.io-client"],
  ];
  const out = {};
  for (const [name, target] of entries) {
    const result = await esbuild.build({
      stdin: { contents: `import { io } from ${JSON.stringify(target)};\nwindow.io = io;\n`, resolveDir: root, loader: "js" },
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      conditions: ["module", "production"],
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
    });
    const code = result.outputFiles[0].contents;
    out[name] = { raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
  }
  return out;
}
const apps = await appBundles();

const ours = results.slice(0, bundles.length);
const theirs = results[bundles.length];
const layerNames = layers.map(([name]) => name);
const byLayer = (result) => {
  const sums = new Map(layerNames.map((n) => [n, 0]));
  for (const [m, v] of result.modules) sums.set(layerOf(m), (sums.get(layerOf(m)) ?? 0) + v.gzip);
  return sums;
};
const round = (n) => Math.round(n);

if (args.has("--json")) {
  console.log(JSON.stringify({
    method,
    app: apps,
    bundles: results.map((r) => ({
      bundle: r.file + (r.esm ? " (minified by terser)" : ""),
      raw: r.raw,
      gzip: r.gzip,
      layers: Object.fromEntries([...byLayer(r)].map(([k, v]) => [k, round(v)])),
      modules: Object.fromEntries([...r.modules].map(([k, v]) => [k, { raw: v.raw, gzip: round(v.gzip) }])),
    })),
  }, null, 2));
  process.exit(0);
}

const fmt = (n) => (n === undefined ? "-" : round(n).toLocaleString("en-US"));

if (args.has("--markdown")) {
  const cols = [...ours, theirs];
  console.log(`| layer (gzip -9 bytes, ${method}) | ${cols.map((r) => r.label).join(" | ")} |`);
  console.log(`|---|${cols.map(() => "---:").join("|")}|`);
  const sums = cols.map(byLayer);
  for (const name of layerNames) {
    if (sums.every((s) => round(s.get(name)) === 0)) continue;
    console.log(`| ${name} | ${sums.map((s) => fmt(s.get(name))).join(" | ")} |`);
  }
  console.log(`| **total** | ${cols.map((r) => `**${fmt(r.gzip)}**`).join(" | ")} |`);
  if (apps) {
    console.log("");
    console.log("| added to an app (esbuild, minified, gzip -9) | bytes |");
    console.log("|---|---:|");
    for (const [name, v] of Object.entries(apps)) console.log(`| \`import { io } from "${name}"\` | ${fmt(v.gzip)} |`);
  }
  process.exit(0);
}

const width = 44;
const col = 14;
const cell = (s) => String(s).padStart(col);
const header = `${"gzip -9 bytes (" + method + ")"}`.padEnd(width) + ours.map((r) => cell(r.short)).join("");
for (const r of ours) console.log(`${r.short.padStart(col)}: ${r.file}${r.esm ? ", minified by terser as test/size.test.ts does, without its two dependencies" : ""}`);
console.log("");
console.log(header);
const oursByLayer = ours.map(byLayer);
for (const name of layerNames) {
  const modules = [...new Set(ours.flatMap((r) => [...r.modules.keys()]))].filter((m) => layerOf(m) === name).sort();
  if (modules.length === 0) continue;
  console.log(`${name.slice(0, width - 1).padEnd(width)}${oursByLayer.map((s) => cell(fmt(s.get(name)))).join("")}`);
  for (const m of modules) {
    const label = `  ${m.replace(/^node_modules\//, "")}`;
    console.log(`${label.slice(0, width - 1).padEnd(width)}${ours.map((r) => cell(fmt(r.modules.get(m)?.gzip))).join("")}`);
  }
}
console.log(`${"total (the bundle's gzip -9 size)".padEnd(width)}${ours.map((r) => cell(fmt(r.gzip))).join("")}`);
console.log(`${"minified bytes".padEnd(width)}${ours.map((r) => cell(fmt(r.raw))).join("")}`);

console.log("");
console.log(`${"by layer, beside socket.io-client".padEnd(width)}${cell("siolink.min")}${cell("websocket.min")}${cell("socket.io.min")}`);
const sioByLayer = byLayer(theirs);
for (const name of layerNames) {
  const values = [oursByLayer[0].get(name), oursByLayer[1].get(name), sioByLayer.get(name)];
  if (values.every((v) => round(v) === 0)) continue;
  console.log(`${name.slice(0, width - 1).padEnd(width)}${values.map((v) => cell(fmt(v))).join("")}`);
}
console.log(`${"total".padEnd(width)}${[ours[0].gzip, ours[1].gzip, theirs.gzip].map((v) => cell(fmt(v))).join("")}`);
if (apps) {
  console.log("");
  console.log("added to an app: `import { io }` bundled for the browser and minified by esbuild (as Vite does), gzip -9");
  for (const [name, v] of Object.entries(apps)) console.log(`  ${name.padEnd(width + col - 2)}${cell(fmt(v.gzip))}`);
}
if (theirs.modules.size > 0) {
  console.log("");
  console.log(`socket.io-client ${sio.file} by module:`);
  for (const [m, v] of [...theirs.modules].sort((a, b) => b[1].gzip - a[1].gzip)) {
    console.log(`  ${m.replace(/^sio:/, "").padEnd(width + col - 2)}${cell(fmt(v.gzip))}`);
  }
}
