// A Node.js client for the chat demo, using the built package (`npx rollup -c` first).
// Usage: node examples/node-client.mjs [server URL] [message]   (default http://127.0.0.1:3000)
// Joins as "node-client", sends one message with an acknowledgement, waits for its broadcast, then exits.

import { io } from "siolink"; // this package, by name: Node resolves it through package.json "exports"

const url = process.argv[2] ?? process.env.SERVER_URL ?? "http://127.0.0.1:3000";
const text = process.argv[3] ?? `hello from Node ${process.version}`;

const socket = io(url, { reconnectionAttempts: 3, timeout: 5000 });

/** Resolves with the first broadcast matching `predicate`; rejects after `ms` so the script cannot hang. */
function nextMessage(predicate, ms) {
  let onMessage;
  let timer;
  return new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no matching broadcast within ${ms} ms`)), ms);
    onMessage = (message) => predicate(message) && resolve(message);
    socket.on("message", onMessage);
  }).finally(() => {
    clearTimeout(timer);
    socket.off("message", onMessage);
  });
}

async function run() {
  console.log(`connected to ${url} as ${socket.id} over ${socket.io.engine.transport.name}`);
  const joined = await socket.timeout(5000).emitWithAck("join", "node-client");
  if (!joined.ok) throw new Error(`join refused: ${joined.error}`);
  console.log(`joined as ${joined.nickname}`);

  // Listen before sending: the broadcast may arrive before the acknowledgement does.
  const echoed = nextMessage((m) => m.from === joined.nickname && m.text === text, 5000);
  const [sent, message] = await Promise.all([socket.timeout(5000).emitWithAck("message", text), echoed]);
  if (!sent.ok) throw new Error(`message refused: ${sent.error}`);
  console.log(`server acknowledged: ${JSON.stringify(sent)}`);
  console.log(`broadcast received: <${message.from}> ${message.text}`);
}

socket.on("connect_error", (err) => console.error(`node-client: cannot connect to ${url} yet (${err.message})`));
socket.io.on("reconnect_failed", () => {
  console.error(`node-client: gave up connecting to ${url}`);
  process.exitCode = 1;
});
socket.once("connect", () => {
  run()
    .catch((err) => {
      console.error(`node-client: ${err instanceof Error ? err.message : err}`);
      process.exitCode = 1;
    })
    .finally(() => socket.disconnect());
});
