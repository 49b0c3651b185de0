// The chat room both demo servers run (examples/chat and examples/react): its events and their rules, kept in
// one place so the two demos speak the same protocol.
//
// Client → server: "join" (nickname, ack) and "message" (text, ack), each answered { ok: true, ... } or
// { ok: false, error }. Server → clients: "message" { from, text, at }, "notice" (text: who joined or left)
// and "presence" (the sorted nicknames in the room).

const clean = (value, max) => (typeof value === "string" ? value.trim().slice(0, max) : "");

/** Runs the room on `io` (a socket.io Server). */
export function chatRoom(io) {
  const nicknames = new Map(); // socket id → nickname, for everyone who has joined
  const presence = () => io.emit("presence", [...nicknames.values()].sort());

  io.on("connection", (socket) => {
    socket.on("join", (nickname, ack) => {
      if (typeof ack !== "function") return;
      const name = clean(nickname, 24);
      if (!name) return ack({ ok: false, error: "pick a nickname" });
      // A client joins again after each reconnection (and twice under React's StrictMode): not news.
      const rejoining = nicknames.has(socket.id);
      nicknames.set(socket.id, name);
      ack({ ok: true, nickname: name });
      if (!rejoining) socket.broadcast.emit("notice", `${name} joined`);
      presence();
    });

    socket.on("message", (text, ack) => {
      const from = nicknames.get(socket.id);
      const body = clean(text, 500);
      const reply = typeof ack === "function" ? ack : () => {};
      if (!from) return reply({ ok: false, error: "join first" });
      if (!body) return reply({ ok: false, error: "empty message" });
      io.emit("message", { from, text: body, at: Date.now() });
      reply({ ok: true });
    });

    socket.on("disconnect", () => {
      const name = nicknames.get(socket.id);
      if (!nicknames.delete(socket.id)) return;
      io.emit("notice", `${name} left`);
      presence();
    });
  });
}
