// A React chat room for the demo server (examples/chat/server.mjs), built on the hooks in useSocket.js.

import { useState } from "react";
import { useSocket, useSocketEvent } from "./useSocket.js";

export function ChatRoom({ url = "http://127.0.0.1:3000", nickname }) {
  const { socket, connected } = useSocket(url);
  const [messages, setMessages] = useState([]);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");

  // Join on every (re)connection: the server forgets nicknames when a connection ends.
  useSocketEvent(socket, "connect", () => {
    socket.timeout(5000).emitWithAck("join", nickname).then(
      (reply) => setError(reply.ok ? "" : reply.error),
      (err) => setError(err.message),
    );
  });
  useSocketEvent(socket, "message", (message) => setMessages((list) => [...list, message]));

  async function send(event) {
    event.preventDefault();
    try {
      const reply = await socket.timeout(5000).emitWithAck("message", draft);
      if (!reply.ok) throw new Error(reply.error);
      setDraft("");
      setError("");
    } catch (err) {
      setError(`not sent: ${err.message}`);
    }
  }

  return (
    <section>
      <p>{connected ? `connected as ${nickname}` : "connecting…"}</p>
      <ul>
        {messages.map((m) => (
          <li key={`${m.at}-${m.from}-${m.text}`}>
            <b>{m.from}</b>: {m.text}
          </li>
        ))}
      </ul>
      {error && <p role="alert">{error}</p>}
      <form onSubmit={send}>
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Write a message…" />
        <button disabled={!connected || !draft.trim()}>Send</button>
      </form>
    </section>
  );
}
