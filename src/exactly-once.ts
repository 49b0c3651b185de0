// Exactly-once delivery (`exactlyOnce: true` with `retries`), the client's half. The server's half is the
// `exactlyOnce()` middleware of siolink/server (src/server/exactly-once.ts).
//
// Wire format: nothing new on the wire but two things socket.io already carries.
// - Client id: every CONNECT packet of the socket carries a random 128-bit id ("n-n-n-n", four uint32) under the auth
//   key CLIENT_ID_KEY, the same for the socket's whole life (all its reconnections), unique per Socket
//   instance. The user's auth fields are kept beside it.
// - Message id: the Socket.IO packet id of the EVENT. `retries` already asks an acknowledgement of every
//   emit; with exactlyOnce a retried emit is resent under the packet id of its first try instead of a fresh
//   one. Packet ids come from the socket's one counter, never reused, so (client id, namespace, packet id)
//   names one emit for good.
// A server without the middleware sees exactly socket.io-client's events and arguments: a packet id is
// never shown to handlers (it only routes the acknowledgement), and the auth object has one more key.
// A server with it remembers the first reply to each (client id, namespace, packet id) and answers a
// resend with it. Nothing waits for the server to announce itself: no race between CONNECT and the first
// emits, and no extra round trip.

/** The auth key of the client id. Shared with siolink/server. */
export const CLIENT_ID_KEY = "siolinkEo";

/** A fresh client id: 128 random bits, as four decimal numbers joined by "-" (getRandomValues works outside secure contexts too). */
export const newClientId = (): string => crypto.getRandomValues(new Uint32Array(4)).join("-");
