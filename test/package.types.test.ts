// Proves the built package's types resolve for TypeScript users on `moduleResolution: "node"` (node10),
// which ignores package.json "exports": the "typesVersions" fallback must map every subpath entry
// ("siolink/websocket", "siolink/react"; add future ones to ENTRIES and to typesVersions). A small consumer is
// compiled against dist/types through an installed-looking node_modules/siolink, once with the package.json
// as published and once without typesVersions (which must fail, or this test proves nothing).

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Each package entry, and a line of consumer code that only compiles when its types were found. */
const ENTRIES: Record<string, string> = {
  siolink: 'import { io, WebSocket } from "siolink";\nexport const a: string | undefined = io("http://x", { transports: [WebSocket] }).id;',
  "siolink/websocket": 'import { io as wsIo } from "siolink/websocket";\nexport const b: boolean = wsIo("http://x").connected;',
  "siolink/react": 'import { useSocketStatus } from "siolink/react";\nexport const c: () => string = useSocketStatus;',
  "siolink/shared": 'import { io as sharedIo } from "siolink/shared";\nexport const d: "function" = typeof sharedIo === "function" ? "function" : "function";',
  "siolink/server": 'import { MemoryStore } from "siolink/server";\nexport const e: object = new MemoryStore();',
};

/** Compiles the consumer in a fresh project whose node_modules/siolink has `pkg` and the built dist/. */
function compileConsumer(t: { after(fn: () => void): void }, pkg: Record<string, unknown>): string[] {
  const project = mkdtempSync(join(tmpdir(), "siolink-node10-"));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  const installed = join(project, "node_modules", "siolink");
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(installed, "package.json"), JSON.stringify(pkg));
  symlinkSync(join(root, "dist"), join(installed, "dist"), "dir");
  const consumer = join(project, "consumer.ts");
  writeFileSync(consumer, Object.values(ENTRIES).join("\n"));
  const program = ts.createProgram([consumer], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    jsx: ts.JsxEmit.ReactJSX,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;

test("moduleResolution node10 finds the types of every entry through typesVersions", { timeout: 60_000 }, (t) => {
  assert.ok(existsSync(join(root, "dist", "types", "index.d.ts")), "dist/types is missing: run `npx rollup -c` before the tests");
  const subpaths = Object.keys(ENTRIES).filter((entry) => entry !== "siolink").map((entry) => entry.slice("siolink/".length));
  // Every subpath of "exports" has a typesVersions mapping, and the consumer imports each one.
  const exported = Object.keys(pkg.exports as object)
    .filter((key) => key !== "." && key !== "./package.json")
    .map((key) => key.slice(2));
  const mapped = Object.keys((pkg.typesVersions as Record<string, Record<string, string[]>>)["*"]!);
  assert.deepEqual([...exported].sort(), [...mapped].sort());
  assert.deepEqual([...subpaths].sort(), [...mapped].sort());
  assert.deepEqual(compileConsumer(t, pkg), []);
});

test("without typesVersions, node10 cannot find the subpath entries' types (the control)", { timeout: 60_000 }, (t) => {
  const { typesVersions: _dropped, ...bare } = pkg;
  const errors = compileConsumer(t, bare);
  for (const entry of Object.keys(ENTRIES).filter((name) => name !== "siolink")) {
    assert.ok(errors.some((message) => message.includes(`'${entry}'`)), `no resolution error for ${entry}: ${errors.join(" | ")}`);
  }
  assert.ok(!errors.some((message) => message.includes(`'siolink'`)), "the root entry resolves through \"types\"");
});
