// exactlyOnce from a real page (script-tag bundle, Chromium): the client id comes from the page's
// crypto.getRandomValues, and a resend after a dropped connection reaches a server using the middleware
// once, answered with the first reply; over WebSocket and polling.

import { test } from "node:test";
import assert from "node:assert/strict";
import { exactlyOnce } from "../../src/server/index";
import { bounded, client, clientPageUrl, connectPageSocket, openPage, type PageWindow, type PageSocket, startStack, useChromium } from "./harness";

const browser = useChromium();
const skip = client === "siolink" ? false : "socket.io-client has no exactlyOnce";

for (const transport of ["websocket", "polling"] as const) {
  test(`over ${transport}: a reply lost to a dropped connection is resent and answered without a second handler call`, { ...bounded, skip }, async (t) => {
    const server = await startStack(t);
    server.io.use(exactlyOnce());
    let calls = 0;
    const clientIds = new Set<string>();
    server.io.on("connection", (socket) => {
      clientIds.add(String(socket.handshake.auth.siolinkEo));
      socket.on("order", (item: string, ack: (receipt: string) => void) => {
        calls++;
        if (calls > 1) {
          ack(`${item} #${calls}`);
          return;
        }
        // Drop the connection before replying: the reply goes nowhere, the client resends after reconnecting.
        socket.conn.close();
        setTimeout(() => ack(`${item} #${calls}`), 200);
      });
    });
    const { page } = await openPage(browser(), clientPageUrl(server));
    await connectPageSocket(page, {
      transports: [transport],
      reconnectionDelay: 20,
      reconnectionDelayMax: 50,
      retries: 5,
      ackTimeout: 5_000,
      exactlyOnce: true,
    });
    const receipt = await page.evaluate(async () => {
      const socket = (window as unknown as PageWindow).socket as PageSocket;
      return socket.emitWithAck("order", "tea");
    });
    assert.equal(receipt, "tea #1", "the resend got the first reply");
    assert.equal(calls, 1, "the handler ran once");
    assert.equal(clientIds.size, 1, "one client id over both connections");
    assert.match([...clientIds][0] as string, /^\d+-\d+-\d+-\d+$/);
    await page.evaluate(() => ((window as unknown as PageWindow).socket as PageSocket).disconnect());
  });
}
