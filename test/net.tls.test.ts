// TLS options through io() in Node (`ca`, `cert`, `key`, `rejectUnauthorized`) against a real HTTPS socket.io
// server whose certificates openssl makes for this run: a private CA is refused without `ca` and trusted with
// it, over each transport; `rejectUnauthorized: false` skips the check; mutual TLS needs `cert` + `key`.

import assert from "node:assert/strict";
import { inspect } from "node:util";
import { clientTest, track, type ClientOptions, type ClientSocket } from "./helpers/clients";
import { makeCertificates } from "./helpers/interop/certs";
import { startHttpsServer } from "./helpers/interop/https-server";
import { ackAll, connected } from "./helpers/interop/scenarios";
import { once } from "./helpers/wait";

/** The whole error, causes and descriptions included, to find the TLS reason wherever a client keeps it. */
function explain(error: unknown): string {
  return inspect(error, { depth: 6 });
}

const UNTRUSTED = /self[- ]signed|unable to (verify|get local issuer)|UNABLE_TO_VERIFY|SELF_SIGNED|unknown ca/i;
/** TLS 1.3 alert 116: what a client without a certificate gets from a server that demands one. */
const NO_CLIENT_CERT = /certificate required|CERTIFICATE_REQUIRED|alert number 116/i;

async function refused(socket: ClientSocket): Promise<Error> {
  const [error] = await once<[Error]>(socket, "connect_error");
  assert.equal(socket.connected, false);
  return error;
}

async function works(socket: ClientSocket): Promise<void> {
  await connected(socket);
  assert.deepEqual(await ackAll(socket, "echo", "over tls", Buffer.from([1, 2, 3])), ["over tls", Buffer.from([1, 2, 3])]);
}

for (const transport of ["websocket", "polling"] as const) {
  const base: ClientOptions = { transports: [transport], reconnection: false, forceNew: true };

  clientTest(`TLS over ${transport}: a private CA is refused without \`ca\` and trusted with it`, async (t, lib) => {
    const certs = makeCertificates(t);
    const server = await startHttpsServer(t, { key: certs.serverKey, cert: certs.serverCert });
    const error = await refused(track(t, lib.io(server.url, base)));
    assert.match(explain(error), UNTRUSTED);

    const socket = track(t, lib.io(server.url, { ...base, ca: certs.ca }));
    await works(socket);
    assert.equal(socket.io.engine.transport.name, transport);
  });

  clientTest(`TLS over ${transport}: rejectUnauthorized: false connects without \`ca\``, async (t, lib) => {
    const certs = makeCertificates(t);
    const server = await startHttpsServer(t, { key: certs.serverKey, cert: certs.serverCert });
    await works(track(t, lib.io(server.url, { ...base, rejectUnauthorized: false })));
  });

  clientTest(`mutual TLS over ${transport}: refused without a client certificate, accepted with \`cert\` + \`key\``, async (t, lib) => {
    const certs = makeCertificates(t);
    const server = await startHttpsServer(t, {
      key: certs.serverKey,
      cert: certs.serverCert,
      ca: certs.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const error = await refused(track(t, lib.io(server.url, { ...base, ca: certs.ca })));
    assert.match(explain(error), NO_CLIENT_CERT);
    assert.equal(server.peerNames.length, 0, "no request may get past the TLS handshake without a certificate");

    await works(track(t, lib.io(server.url, { ...base, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey })));
    assert.ok(server.peerNames.length > 0);
    assert.deepEqual(new Set(server.peerNames), new Set([certs.clientName]));
  });
}

clientTest("TLS with default transports: the `ca` reaches every connection (handshake, upgrade or fallback)", async (t, lib) => {
  const certs = makeCertificates(t);
  const server = await startHttpsServer(t, {
    key: certs.serverKey,
    cert: certs.serverCert,
    ca: certs.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const socket = track(t, lib.io(server.url, { reconnection: false, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }));
  await works(socket);
  if (socket.io.engine.transport.name !== "websocket") await once(socket.io.engine, "upgrade");
  await works(socket);
  assert.deepEqual(new Set(server.peerNames), new Set([certs.clientName]));
});
