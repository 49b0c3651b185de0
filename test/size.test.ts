// Size is a test: the script-tag bundles (siolink, the WebSocket-only siolink/websocket and the msgpack one) must
// stay under their gzip budgets in package.json ("siolink.sizeBudget"), browser bundles must carry no Node code,
// the siolink/websocket bundles no polling and no upgrade, the msgpack bundle no JSON codec. Prints sizes next to
// socket.io-client's bundles.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { minify } from "terser";

const root = fileURLToPath(new URL("..", import.meta.url));

function read(file: string): Buffer {
  const path = join(root, file);
  if (!existsSync(path)) throw new Error(`${file} is missing: run \`npx rollup -c\` before the tests`);
  return readFileSync(path);
}

interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

function measure(bytes: Buffer): Sizes {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

function budget(bundle = "siolink.min.js"): number {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    siolink?: { sizeBudget?: Record<string, unknown> };
  };
  const value = pkg.siolink?.sizeBudget?.[bundle];
  if (typeof value !== "number" || !(value > 0)) {
    throw new Error(`package.json needs "siolink": { "sizeBudget": { "${bundle}": <gzip bytes> } }`);
  }
  return value;
}

/** What an app's bundler makes of an ESM build: minified the way rollup.config.mjs minifies the script tag. */
async function minifiedEsm(file = "dist/browser/index.mjs"): Promise<Buffer> {
  const result = await minify(read(file).toString("utf8"), {
    ecma: 2020,
    module: true,
    compress: { ecma: 2020, passes: 3 },
    mangle: true,
  });
  return Buffer.from(result.code ?? "");
}

test("dist/siolink.min.js stays under its gzip budget (table printed beside socket.io-client)", async (t) => {
  const rows: Array<[string, Sizes]> = [
    ["dist/siolink.min.js", measure(read("dist/siolink.min.js"))],
    ["dist/siolink.js", measure(read("dist/siolink.js"))],
    ["dist/browser/index.mjs", measure(read("dist/browser/index.mjs"))],
    // Without its two dependencies, which the app's bundler adds (and may share with other packages).
    ["dist/browser/index.mjs, minified", measure(await minifiedEsm())],
    ["dist/siolink.websocket.min.js", measure(read("dist/siolink.websocket.min.js"))],
    ["dist/siolink.websocket.js", measure(read("dist/siolink.websocket.js"))],
    ["dist/browser/websocket.mjs", measure(read("dist/browser/websocket.mjs"))],
    ["dist/browser/websocket.mjs, minified", measure(await minifiedEsm("dist/browser/websocket.mjs"))],
    ["dist/siolink.msgpack.min.js", measure(read("dist/siolink.msgpack.min.js"))],
    ["dist/siolink.msgpack.js", measure(read("dist/siolink.msgpack.js"))],
    [
      "socket.io-client dist/socket.io.min.js",
      measure(read("node_modules/socket.io-client/dist/socket.io.min.js")),
    ],
    [
      "socket.io-client dist/socket.io.msgpack.min.js",
      measure(read("node_modules/socket.io-client/dist/socket.io.msgpack.min.js")),
    ],
  ];
  const col = (n: number | string) => String(n).padStart(10);
  const lines = [
    `${"bytes".padEnd(48)}${col("raw")}${col("gzip -9")}${col("brotli")}`,
    ...rows.map(([name, s]) => `${name.padEnd(48)}${col(s.raw)}${col(s.gzip)}${col(s.brotli)}`),
  ];
  for (const line of lines) t.diagnostic(line);

  const limit = budget();
  const gzip = rows[0]![1].gzip;
  assert.ok(gzip <= limit, `dist/siolink.min.js is ${gzip} bytes gzipped, over its budget of ${limit}`);
});

test("dist/siolink.websocket.min.js stays under its gzip budget", () => {
  const limit = budget("siolink.websocket.min.js");
  const { gzip } = measure(read("dist/siolink.websocket.min.js"));
  assert.ok(gzip <= limit, `dist/siolink.websocket.min.js is ${gzip} bytes gzipped, over its budget of ${limit}`);
});

test("dist/siolink.msgpack.min.js stays under its gzip budget and carries the msgpack codec, not the JSON one", () => {
  const limit = budget("siolink.msgpack.min.js");
  const bytes = read("dist/siolink.msgpack.min.js");
  const { gzip } = measure(bytes);
  assert.ok(gzip <= limit, `dist/siolink.msgpack.min.js is ${gzip} bytes gzipped, over its budget of ${limit}`);
  // Code, not message text (production bundles drop that): the JSON codec's binary placeholders (the wire
  // marker and the decoder's check of its "num" key); the msgpack decoder's float 32 read.
  const jsonCodec = [/_placeholder/, /"num"/];
  const msgpackCodec = /getFloat32/;
  for (const [file, isMsgpack] of [["dist/siolink.min.js", false], ["dist/siolink.msgpack.min.js", true], ["dist/siolink.msgpack.js", true]] as const) {
    const code = read(file).toString("utf8");
    for (const marker of jsonCodec) {
      if (isMsgpack) assert.doesNotMatch(code, marker, `${file} carries the JSON codec (${marker})`);
      else assert.match(code, marker, `marker ${marker} not found in ${file}: update the marker`);
    }
    if (isMsgpack) assert.match(code, msgpackCodec, `${file} lacks the msgpack codec`);
    else assert.doesNotMatch(code, msgpackCodec, `${file} carries the msgpack codec`);
  }
});

test("dist/siolink.shared.min.js stays under its gzip budget; its worker file is self-contained", () => {
  const limit = budget("siolink.shared.min.js");
  const { gzip } = measure(read("dist/siolink.shared.min.js"));
  assert.ok(gzip <= limit, `dist/siolink.shared.min.js is ${gzip} bytes gzipped, over its budget of ${limit}`);
  const worker = measure(read("dist/siolink.shared-worker.js"));
  console.log(`siolink.shared.min.js ${gzip} B gzip; siolink.shared-worker.js ${worker.gzip} B gzip (loaded once per origin)`);
  for (const file of ["dist/siolink.shared-worker.js", "dist/browser/shared-worker.js"]) {
    const code = read(file).toString("utf8");
    // Statements only (comments may quote an import): a classic worker script cannot use import or require.
    assert.doesNotMatch(code, /^\s*import\s*[{*"']|\bimport\(|(?<![\w.])require\(/m, `${file} must load nothing else`);
    assert.match(code, /onconnect/, `${file} is not the SharedWorker script`);
  }
  // The module build finds the worker the way bundlers recognise.
  assert.match(read("dist/browser/shared.mjs").toString("utf8"), /new SharedWorker\(new URL\("\.\/shared-worker\.js", import\.meta\.url\)/);
});

/**
 * Code that only HTTP long-polling or the upgrade brings, each marker checked in the full bundle too (so that a
 * renamed string cannot leave this test checking nothing): the probe's "probe" ping, polling's "pausing"
 * state, the browser platform's HTTP requests (XMLHttpRequest, fetch in workers), the payload separator of
 * engine.io-parser's encodePayload/decodePayload (bundled into the script-tag builds; imported by name in the
 * ESM builds).
 */
const pollingMarkers: Array<[string, RegExp, "all" | "iife" | "esm"]> = [
  ["the upgrade probe", /["']probe["']/, "all"],
  ["the polling transport", /["']pausing["']/, "all"],
  ["the XMLHttpRequest requests", /\bnew XMLHttpRequest\b/, "all"],
  ["the fetch requests", /\bfetch\(/, "all"],
  // The record separator of polling payloads: a raw character in minified code, an escape elsewhere.
  ["the polling payload codec", /\x1e|\\x1e|\\u001e/, "all"],
];

test("the siolink/websocket bundles carry no polling and no upgrade code (markers found in the full bundles)", () => {
  const pairs: Array<[full: string, slim: string, kind: "iife" | "esm"]> = [
    ["dist/siolink.min.js", "dist/siolink.websocket.min.js", "iife"],
    ["dist/siolink.js", "dist/siolink.websocket.js", "iife"],
    ["dist/browser/index.mjs", "dist/browser/websocket.mjs", "esm"],
  ];
  for (const [fullFile, slimFile, kind] of pairs) {
    const full = read(fullFile).toString("utf8");
    const slim = read(slimFile).toString("utf8");
    for (const [what, marker, where] of pollingMarkers) {
      if (where !== "all" && where !== kind) continue;
      assert.match(full, marker, `marker for ${what} (${marker}) not found in ${fullFile}: update the marker`);
      assert.doesNotMatch(slim, marker, `${slimFile} contains ${what} (${marker})`);
    }
  }
});

test("the siolink/websocket bundles carry no WebTransport code (marker found in the full bundles)", () => {
  const marker = /createBidirectionalStream/;
  for (const [fullFile, slimFile] of [
    ["dist/siolink.min.js", "dist/siolink.websocket.min.js"],
    ["dist/browser/index.mjs", "dist/browser/websocket.mjs"],
  ] as const) {
    assert.match(read(fullFile).toString("utf8"), marker, `the WebTransport marker is not in ${fullFile}: update it`);
    assert.doesNotMatch(read(slimFile).toString("utf8"), marker, `${slimFile} contains WebTransport code`);
  }
});

const browserBundles = [
  "dist/siolink.js",
  "dist/siolink.min.js",
  "dist/browser/index.mjs",
  "dist/siolink.websocket.js",
  "dist/siolink.websocket.min.js",
  "dist/browser/websocket.mjs",
  "dist/siolink.msgpack.js",
  "dist/siolink.msgpack.min.js",
  "dist/siolink.shared.js",
  "dist/siolink.shared.min.js",
  "dist/siolink.shared-worker.js",
  "dist/browser/shared.mjs",
  "dist/browser/shared-worker.js",
];

test("browser bundles import neither ws nor Node built-ins, and carry no Buffer code", () => {
  const nodeImport = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)["'](?:ws|node:[^"']*)["']/;
  for (const file of browserBundles) {
    const code = read(file).toString("utf8");
    assert.doesNotMatch(code, nodeImport, `${file} imports ws or a node: module`);
  }
  // Minified code has no comments left that could mention Buffer: any hit is real Node-only code.
  assert.doesNotMatch(read("dist/siolink.min.js").toString("utf8"), /\bBuffer\b/);
  assert.doesNotMatch(read("dist/siolink.websocket.min.js").toString("utf8"), /\bBuffer\b/);
  assert.doesNotMatch(read("dist/siolink.msgpack.min.js").toString("utf8"), /\bBuffer\b/);
});

test("dist/siolink.msgpack.min.js is self-contained", () => {
  const iife = read("dist/siolink.msgpack.min.js").toString("utf8");
  assert.doesNotMatch(iife, /\brequire\s*\(|^\s*import\b|\bimport\s*\(/m, "dist/siolink.msgpack.min.js must not load anything");
});

for (const [iifeFile, esmFile] of [
  ["dist/siolink.min.js", "dist/browser/index.mjs"],
  ["dist/siolink.websocket.min.js", "dist/browser/websocket.mjs"],
] as const) test(`${iifeFile} is self-contained and ${esmFile} imports only its two dependencies`, () => {
  const iife = read(iifeFile).toString("utf8");
  assert.doesNotMatch(iife, /\brequire\s*\(|^\s*import\b|\bimport\s*\(/m, `${iifeFile} must not load anything`);

  const esm = read(esmFile).toString("utf8");
  const specifiers = new Set(
    [...esm.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)].map((m) => m[1]),
  );
  for (const bare of [...esm.matchAll(/^\s*import\s*["']([^"']+)["']/gm)]) specifiers.add(bare[1]);
  const allowed = new Set(["engine.io-parser", "@socket.io/component-emitter"]);
  for (const specifier of specifiers) {
    assert.ok(allowed.has(specifier!), `${esmFile} imports "${specifier}"`);
  }
});
