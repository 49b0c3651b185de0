// Proves the examples run: the chat demo server (a child process) serves a page on which two Chromium users
// talk to each other, and the Node script client talks to the same room. Saves .tmp/demo.png for a human look.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { bounded, root, startExample, stopped, type Teardown, useChromium } from "./harness";

const browser = useChromium();

/** Starts examples/chat/server.mjs on a free port and resolves with the URL it prints. */
const startChatServer = (t: Teardown) => startExample(t, "examples/chat/server.mjs", "siolink chat demo");

async function joinAs(url: string, nickname: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser().newContext({ viewport: { width: 720, height: 760 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  await page.locator("#status[data-state=connected]").waitFor({ timeout: 10_000 });
  await page.fill("#nickname", nickname);
  await page.click("#join");
  await page.locator("#composer").waitFor({ state: "visible", timeout: 10_000 });
  return { page, errors };
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

/** Waits for a chat bubble from `from` saying `text`; returns its rendered sender line. */
async function seen(page: Page, from: string, text: string): Promise<string> {
  const bubble = page.locator("#messages .message", { hasText: text }).filter({ hasText: from });
  await bubble.first().waitFor({ timeout: 10_000 });
  return bubble.first().locator(".meta b").innerText();
}

test("the chat demo: a message typed on one page appears on the other (screenshot in .tmp/demo.png)", bounded, async (t) => {
  const url = await startChatServer(t);
  const alice = await joinAs(url, "Alice");
  const bob = await joinAs(url, "Bob");

  await say(alice.page, "Hi Bob! This came through siolink.");
  assert.equal(await seen(bob.page, "Alice", "Hi Bob! This came through siolink."), "Alice");
  await say(bob.page, "Loud and clear, Alice. <b>not bold</b>");
  assert.equal(await seen(alice.page, "Bob", "Loud and clear, Alice. <b>not bold</b>"), "Bob");
  // Text is shown as text: the markup above must not have become an element.
  assert.equal(await alice.page.locator("#messages .message .text b").count(), 0);

  await bob.page.locator("#presence", { hasText: "2 online: Alice, Bob" }).waitFor({ timeout: 10_000 });
  await seen(bob.page, "Bob", "Loud and clear");
  mkdirSync(join(root, ".tmp"), { recursive: true });
  await bob.page.screenshot({ path: join(root, ".tmp/demo.png") });
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});

test("examples/node-client.mjs talks to the chat server, and a browser in the room sees its message", bounded, async (t) => {
  const url = await startChatServer(t);
  const carol = await joinAs(url, "Carol");
  const text = `ping from the node client test ${Date.now()}`;

  const child = spawn(process.execPath, [join(root, "examples/node-client.mjs"), url, text], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    child.kill();
    return stopped(child);
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    // A client that never exits (a leaked timer or socket) is a failure, not a hang.
    const timer = setTimeout(() => reject(new Error(`node-client did not exit:\n${stdout}\n${stderr}`)), 20_000);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });

  assert.equal(code, 0, `node-client failed:\n${stdout}\n${stderr}`);
  assert.match(stdout, /^connected to http:\/\/127\.0\.0\.1:\d+ as \S+ over websocket$/m);
  assert.match(stdout, /^joined as node-client$/m);
  assert.match(stdout, /^server acknowledged: \{"ok":true\}$/m);
  assert.ok(stdout.includes(`broadcast received: <node-client> ${text}`), stdout);
  assert.equal(await seen(carol.page, "node-client", text), "node-client");
  assert.deepEqual(carol.errors, []);
});
