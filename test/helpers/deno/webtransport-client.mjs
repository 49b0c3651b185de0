// Test helper, run by Deno (`deno run -A --unstable-net --sloppy-imports`): siolink from src/ in Deno, over
// Deno's WebTransport, against the server of test/helpers/webtransport.ts. Argument (JSON): { url, hash }
// (hash: base64 SHA-256 of the server certificate). Prints one line "result <json>", then must exit by
// itself once the socket is closed: nothing of siolink may keep Deno alive.

import { io } from "../../../src/index.ts";

const { url, hash } = JSON.parse(Deno.args[0]);
const value = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));

// Passed as the implementation (the Node way) and counted, to show the option is the one used.
let constructed = 0;
class CountingWebTransport extends WebTransport {
  constructor(...args) {
    super(...args);
    constructed++;
  }
}

const socket = io(url, {
  transports: ["webtransport"],
  reconnection: false,
  transportOptions: {
    webtransport: { WebTransport: CountingWebTransport, serverCertificateHashes: [{ algorithm: "sha-256", value }] },
  },
});
const timeout = setTimeout(() => {
  console.log(`result ${JSON.stringify({ error: "timed out" })}`);
  Deno.exit(1);
}, 15_000);

try {
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const transport = socket.io.engine.transport.name;
  const text = await socket.timeout(5000).emitWithAck("echo", "from deno ✓");
  const binary = await socket.timeout(5000).emitWithAck("echo", new Uint8Array([1, 2, 3]));
  const pushed = new Promise((resolve) => socket.once("pushed", resolve));
  socket.emit("push", new Uint8Array([4, 5]));
  const fromServer = await pushed;
  socket.disconnect();
  console.log(`result ${JSON.stringify({
    transport,
    text,
    binary: Array.from(binary),
    pushed: Array.from(fromServer),
    constructed,
  })}`);
} catch (error) {
  console.log(`result ${JSON.stringify({ error: String(error?.message ?? error) })}`);
  socket.disconnect();
}
clearTimeout(timeout);
