// Test helper, run by Deno (`deno run -A --unstable-net`): terminates HTTP/3 WebTransport on UDP and hands
// each session's first bidirectional stream to a socket.io server in Node over a TCP connection, which the
// Node side turns into the session object engine.io's `onWebTransportSession()` takes (see
// test/helpers/webtransport.ts). The Engine.IO protocol is then the real server's; this only moves bytes.
//
// Arguments (one JSON string): { hostname, port, cert, key, target } — cert/key in PEM, target: TCP port of
// the Node side. Prints "listening <udp port>" once ready; runs until killed.

const { hostname, port, cert, key, target } = JSON.parse(Deno.args[0]);

const endpoint = new Deno.QuicEndpoint({ hostname, port });
const listener = endpoint.listen({ cert, key, alpnProtocols: ["h3"] });

async function relay(incoming) {
  let wt;
  try {
    const conn = await incoming.accept();
    wt = await Deno.upgradeWebTransport(conn);
    await wt.ready;
  } catch {
    return;
  }
  let tcp;
  try {
    tcp = await Deno.connect({ hostname: "127.0.0.1", port: target });
  } catch {
    wt.close({ closeCode: 0, reason: "no server" });
    return;
  }
  // The first line tells the Node side the session's URL (path and query).
  const head = new TextEncoder().encode(`${wt.url ?? ""}\n`);
  const closeBoth = () => {
    try { wt.close(); } catch {}
    try { tcp.close(); } catch {}
  };
  wt.closed.then(closeBoth, closeBoth);
  try {
    const writer = tcp.writable.getWriter();
    await writer.write(head);
    writer.releaseLock();
    const streams = wt.incomingBidirectionalStreams.getReader();
    const { value: stream, done } = await streams.read();
    if (done) return closeBoth();
    await Promise.allSettled([
      stream.readable.pipeTo(tcp.writable),
      tcp.readable.pipeTo(stream.writable),
    ]);
  } catch {}
  closeBoth();
}

(async () => {
  for await (const incoming of listener) relay(incoming);
})();

console.log(`listening ${endpoint.addr.port}`);
