// Proves that a page waiting out a long reconnection delay reconnects at once when the network comes back
// (`online`, from Chromium's own offline emulation) or when the page becomes visible again, and that with
// `reconnectOnNetworkReturn: false` it keeps waiting.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import type { TestServer } from "../helpers/server";
import { bounded, client, clientPageUrl, connectPageSocket, openPage, type PageSocket, type PageWindow, startStack, useChromium } from "./harness";

const browser = useChromium();

/** Far beyond every bound of this file: a reconnection within them cannot come from the timer. */
const longWait = { reconnectionDelay: 60_000, reconnectionDelayMax: 60_000, randomizationFactor: 0 };

/** A page whose socket connected, then lost its server; returns once the Manager waits for its next attempt. */
async function disconnectedPage(
  t: { after(fn: () => unknown): void },
  opts: Record<string, unknown>,
): Promise<{ server: TestServer; page: Page; context: BrowserContext }> {
  const server = await startStack(t);
  const { page, context } = await openPage(browser(), clientPageUrl(server));
  await connectPageSocket(page, opts, true);
  await server.close();
  const state = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    await (w.disconnected as Promise<unknown>);
    return ((w.socket as PageSocket).io as unknown as { state: string }).state;
  });
  assert.equal(state, "reconnecting");
  return { server, page, context };
}

/**
 * Resolves in the page with the Manager's state as seen by an `online` listener added now, i.e. after the
 * Manager's own (listeners run in the order they were added): "opening" means it reacted synchronously.
 */
async function stateSeenAtOnline(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    w.stateAtOnline = new Promise<string>((resolve) => {
      window.addEventListener(
        "online",
        () => resolve((((w.socket as PageSocket).io as unknown) as { state: string }).state),
        { once: true },
      );
    });
  });
}

/** Takes the page's network away and gives it back (Chromium's emulation), recording the state at `online`. */
async function offlineAndBack(page: Page, context: BrowserContext): Promise<void> {
  await stateSeenAtOnline(page);
  await context.setOffline(true);
  await context.setOffline(false);
}

/** socket.io-client (SIOLINK_TEST_CLIENT) has neither the feature nor the option. */
const siolinkOnly = { ...bounded, skip: client !== "siolink" };

test("`online` ends a long reconnection delay: the page reconnects at once", siolinkOnly, async (t) => {
  const { server, page, context } = await disconnectedPage(t, { ...longWait });
  const second = await startStack(t, { port: server.port });
  let connections = 0;
  second.io.on("connection", () => connections++);

  await offlineAndBack(page, context);
  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const socket = w.socket as PageSocket;
    const stateAtOnline = await (w.stateAtOnline as Promise<string>);
    if (!socket.connected) await w.nextEvent(socket, "connect", 20_000);
    return { stateAtOnline, connected: socket.connected };
  });
  assert.equal(result.stateAtOnline, "opening", "the attempt started inside the online event");
  assert.equal(result.connected, true);
  assert.equal(connections, 1);
  await page.evaluate(() => ((window as unknown as PageWindow).socket as PageSocket).disconnect());
});

// Headless Chromium keeps every page visible: minimising its window (CDP Browser.setWindowBounds), bringing
// another page to the front and Page.setWebLifecycleState all leave document.visibilityState at "visible"
// and fire no visibilitychange here. So this test plays the browser's part: it overrides visibilityState and
// dispatches visibilitychange as the browser does (at the document, bubbling). It proves siolink's listener
// and its check of the state, not Chromium's firing of the event.
test("the page becoming visible again ends a long reconnection delay; becoming hidden does not", siolinkOnly, async (t) => {
  const { server, page } = await disconnectedPage(t, { ...longWait });
  const second = await startStack(t, { port: server.port });
  let connections = 0;
  second.io.on("connection", () => connections++);

  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const socket = w.socket as PageSocket;
    const manager = socket.io as unknown as { state: string };
    // No helper function in here: the test runner's transpiler would wrap it in a helper the page lacks.
    const states: string[] = [];
    for (const visibility of ["hidden", "visible"]) {
      Object.defineProperty(document, "visibilityState", { configurable: true, value: visibility });
      document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
      states.push(manager.state);
    }
    const [whenHidden, whenVisible] = states;
    if (!socket.connected) await w.nextEvent(socket, "connect", 20_000);
    socket.disconnect();
    return { whenHidden, whenVisible, connected: socket.connected };
  });
  assert.equal(result.whenHidden, "reconnecting", "hiding the page changes nothing");
  assert.equal(result.whenVisible, "opening", "the attempt started inside the visibilitychange event");
  assert.equal(connections, 1);
});

test("with reconnectOnNetworkReturn: false, `online` and visibility leave the Manager waiting", siolinkOnly, async (t) => {
  const { page, context } = await disconnectedPage(t, { ...longWait, reconnectOnNetworkReturn: false });
  await offlineAndBack(page, context);
  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const socket = w.socket as PageSocket;
    const manager = socket.io as unknown as { state: string };
    const stateAtOnline = await (w.stateAtOnline as Promise<string>);
    Object.defineProperty(document, "visibilityState", { configurable: true, value: "visible" });
    document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
    const stateAtVisible = manager.state;
    socket.disconnect();
    return { stateAtOnline, stateAtVisible, after: manager.state };
  });
  assert.deepEqual(result, { stateAtOnline: "reconnecting", stateAtVisible: "reconnecting", after: "closed" });
});
