// Test worker: loads the client bundle with importScripts (global io), talks to the server, reports by postMessage.
// ?noxhr=1 deletes XMLHttpRequest first, as in runtimes that only have fetch (service workers).
"use strict";
const params = new URLSearchParams(location.search);
if (params.get("noxhr") === "1") delete self.XMLHttpRequest;
importScripts(params.get("bundle"));

const socket = io({ transports: params.get("transports").split(","), reconnection: false });
socket.on("connect_error", (err) => postMessage({ ok: false, error: `connect_error: ${err.message}` }));
socket.on("connect", async () => {
  try {
    const ack = await socket.timeout(5000).emitWithAck("echo", { from: "worker", bytes: new Uint8Array([7, 8, 9]) });
    postMessage({
      ok: true,
      text: ack.from,
      bytes: ack.bytes instanceof ArrayBuffer ? Array.from(new Uint8Array(ack.bytes)) : String(ack.bytes),
      transport: socket.io.engine.transport.name,
      hasXhr: typeof XMLHttpRequest !== "undefined",
    });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  } finally {
    socket.disconnect();
  }
});
