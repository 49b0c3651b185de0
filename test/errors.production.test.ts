// Production browser builds carry no message text, yet misuse throws the same SioError code, with the values
// that caused it, as in every build; the development bundle keeps the text (see src/internal/dev.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";

const root = fileURLToPath(new URL("..", import.meta.url));

function read(file: string): string {
  const path = join(root, file);
  if (!existsSync(path)) throw new Error(`${file} is missing: run \`npx rollup -c\` before the tests`);
  return readFileSync(path, "utf8");
}

type Io = ((uri: string, opts?: Record<string, unknown>) => unknown) & { Manager: new (uri: string, opts?: object) => unknown };

/** Runs a script-tag bundle in a fresh context and returns its global io. */
function load(file: string): Io {
  const context: Record<string, unknown> = { URL, queueMicrotask, setTimeout, clearTimeout, TextEncoder, console };
  context.globalThis = context;
  runInNewContext(read(file), context);
  return context.io as Io;
}

function thrown(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  return assert.fail("expected a throw");
}

const TEXT = "must be a non-negative number";

for (const [file, production] of [
  ["dist/siolink.min.js", true],
  ["dist/siolink.websocket.min.js", true],
  ["dist/siolink.msgpack.min.js", true],
  ["dist/siolink.js", false],
] as const) {
  test(`${file}: misuse throws ERR_INVALID_ARG with the values${production ? ", without the message text" : " and its full message"}`, () => {
    const io = load(file);
    const error = thrown(() => new io.Manager("http://127.0.0.1:1", { autoConnect: false, reconnectionDelay: -7 }));
    assert.equal(error.code, "ERR_INVALID_ARG");
    assert.match(error.message, /reconnectionDelay/);
    assert.match(error.message, /-7/);
    if (production) {
      assert.doesNotMatch(error.message, new RegExp(TEXT));
      assert.ok(!read(file).includes(TEXT), `${file} carries message text`);
    } else {
      assert.match(error.message, new RegExp(TEXT));
    }
    const reserved = thrown(() => (io("http://127.0.0.1:1", { autoConnect: false }) as { emit(ev: string): void }).emit("connect"));
    assert.equal(reserved.code, "ERR_INVALID_ARG");
  });
}

test("socket.io-client's error messages that apps compare stay in the production bundle", () => {
  const code = read("dist/siolink.min.js");
  for (const text of ["websocket error", "xhr poll error", "timeout", "operation has timed out", "socket has been disconnected"]) {
    assert.ok(code.includes(`"${text}"`), `"${text}" is missing from dist/siolink.min.js`);
  }
});

test("docs/errors.md lists every message production builds leave out (regenerate: node docs/errors.mjs)", async () => {
  const { errorTable } = (await import(join(root, "docs", "errors.mjs"))) as { errorTable(): string };
  assert.equal(read("docs/errors.md"), errorTable(), "docs/errors.md is out of date: run `node docs/errors.mjs`");
});

test('the "production" export condition\'s ESM builds carry no message text', () => {
  for (const file of ["dist/browser/index.prod.mjs", "dist/browser/websocket.prod.mjs"]) {
    const code = read(file);
    assert.match(code, /\bexport\s*\{/, `${file} is an ES module`);
    assert.ok(!code.includes(TEXT), `${file} carries message text`);
  }
});
