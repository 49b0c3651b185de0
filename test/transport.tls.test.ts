// TLS through the Node platform: a self-signed https/wss socket.io server is refused by default (a transport
// error) and reachable when the TLS options (here rejectUnauthorized: false) are passed to both transports.

import assert from "node:assert/strict";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server, type Socket as ServerSocket } from "socket.io";
import { EngineSession } from "../src/engine/session";
import { TransportError } from "../src/errors";
import { connectNamespace, exchangeEventsAndBinary, Inbox, openSession, sessionOnce } from "./helpers/fake-engine";
import { once } from "./helpers/wait";

// A throwaway self-signed certificate for 127.0.0.1 (EC P-256); it protects nothing.
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHfQ+ISzbxPB3QZMb
s/V7wV2nnN5mnWcHccXpt1GtooKhRANCAAR4FB+mbP8p/8Vny8GqaB3RMfOLBxTq
m67lKTjuCiNijQlwqUkYag5CxUe8BbBdlL55viBypqkW+AGZKhi5antf
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBoTCCAUegAwIBAgIUQO6038nVyufVl76RcmyHJMsZ3rEwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMc2lvbGluay10ZXN0MCAXDTI2MTEyMjAyMDAzMFoYDzIxMjYx
MDI5MDIwMDMwWjAXMRUwEwYDVQQDDAxzaW9saW5rLXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAR4FB+mbP8p/8Vny8GqaB3RMfOLBxTqm67lKTjuCiNijQlw
qUkYag5CxUe8BbBdlL55viBypqkW+AGZKhi5antfo28wbTAdBgNVHQ4EFgQUgDtA
O1kiiDTV4eH5L5Aq/wEzK5YwHwYDVR0jBBgwFoAUgDtAO1kiiDTV4eH5L5Aq/wEz
K5YwDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3Qw
CgYIKoZIzj0EAwIDSAAwRQIgVLFlmrJqvsUlp//umLQO3S6+Ldd7dw/LKblhR6pG
wc8CIQDs80d/b5394vodN4AkAVz20fYO6OzSx9+nM6IkJWAPHg==
-----END CERTIFICATE-----`;

async function startTlsServer(t: { after(fn: () => unknown): void }): Promise<{ url: string; io: Server }> {
  const https = createServer({ key: KEY, cert: CERT });
  const io = new Server(https);
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        https.closeAllConnections();
      }),
  );
  return { url: `https://127.0.0.1:${(https.address() as AddressInfo).port}`, io };
}

for (const transport of ["websocket", "polling"] as const) {
  test(`${transport}: a self-signed server is refused by default with a transport error`, async (t) => {
    const { url } = await startTlsServer(t);
    const session = new EngineSession(url, { path: "/socket.io", transports: [transport] });
    const errors: unknown[] = [];
    session.on("error", (error) => errors.push(error));
    const closed = sessionOnce(session, "close");
    session.open();
    const [reason] = await closed;
    assert.equal(reason, "transport error");
    assert.ok(errors[0] instanceof TransportError);
  });

  test(`${transport}: TLS options reach the connection (rejectUnauthorized: false)`, async (t) => {
    const { url, io } = await startTlsServer(t);
    const connected = once<[ServerSocket]>(io, "connection");
    const session = await openSession(t, url, { transports: [transport], rejectUnauthorized: false });
    assert.equal(session.transport.name, transport);
    const inbox = new Inbox(session);
    await connectNamespace(session, inbox);
    const [socket] = await connected;
    await exchangeEventsAndBinary(session, inbox, socket);
  });
}

test("the upgrade probe over wss gets the same TLS options", async (t) => {
  const { url } = await startTlsServer(t);
  const session = await openSession(t, url, { transports: ["polling", "websocket"], rejectUnauthorized: false });
  const [transport] = await sessionOnce(session, "upgrade");
  assert.equal(transport.name, "websocket");
});
