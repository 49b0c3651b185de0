// `localAddress` in Node: every connection (polling requests, the WebSocket, the upgrade) leaves from the
// given local address, so one load-test machine can spread its clients over several source IPs. Linux routes
// all of 127.0.0.0/8 to loopback, so 127.0.0.2 is a second source address without any set-up.

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { clientTest, connected, track, type ClientOptions } from "./helpers/clients";
import { startServer } from "./helpers/server";

/** socket.io-client hands localAddress to its WebSocket only; its Node polling requests ignore it. */
const POLLING_IGNORES_IT = { "socket.io-client": "socket.io-client's polling requests in Node ignore localAddress" };

const cases: Array<{ title: string; options: ClientOptions; expectTransport: string; skipFor?: typeof POLLING_IGNORES_IT }> = [
  { title: "polling only", options: { transports: ["polling"] }, expectTransport: "polling", skipFor: POLLING_IGNORES_IT },
  { title: "websocket only", options: { transports: ["websocket"] }, expectTransport: "websocket" },
  {
    title: "polling then upgrade",
    options: { transports: ["polling", "websocket"] },
    expectTransport: "websocket",
    skipFor: POLLING_IGNORES_IT,
  },
];

for (const { title, options, expectTransport, skipFor } of cases) {
  clientTest(`localAddress, ${title}: every request and upgrade comes from that address`, async (t, lib) => {
    const server = await startServer(t);
    const seen: string[] = [];
    const record = (req: IncomingMessage) => seen.push(req.socket.remoteAddress ?? "?");
    server.http.on("request", record);
    server.http.on("upgrade", record);

    const socket = track(
      t,
      lib.io(server.url, { ...options, localAddress: "127.0.0.2", reconnection: false, forceNew: true } as ClientOptions),
    );
    await connected(socket);
    if (expectTransport === "websocket" && socket.io.engine.transport.name !== "websocket") {
      await new Promise<void>((resolve) => socket.io.engine.once("upgrade", () => resolve()));
    }

    assert.equal(socket.io.engine.transport.name, expectTransport);
    assert.ok(seen.length > 0, "the server saw no request");
    assert.deepEqual([...new Set(seen)], ["127.0.0.2"], `source addresses seen: ${seen.join(", ")}`);
  }, skipFor === undefined ? {} : { skipFor });
}
