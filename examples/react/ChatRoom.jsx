// The chat room: joins on every connection, shows messages as they arrive, sends with acknowledgements.
// Everything it needs comes from the nearest <SocketProvider> through siolink/react's hooks.

import { useEffect, useState } from "react";
import { useSocket, useSocketEvent, useSocketStatus } from "siolink/react";

const statusText = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "connection lost, reconnecting…",
  disconnected: "disconnected",
};

export function ChatRoom({ nickname, onLeave }) {
  const socket = useSocket();
  const status = useSocketStatus();
  const [lines, setLines] = useState([]);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");
  // The connection (socket.id) the server last accepted our nickname on: it forgets it when a connection ends.
  const [joinedAs, setJoinedAs] = useState("");

  // Join whenever the connection comes (back) up. StrictMode runs this twice on mount; the server treats a
  // second join as a no-op, and the first run's late reply is ignored.
  useEffect(() => {
    if (status !== "connected") return;
    let current = true;
    const id = socket.id;
    socket
      .timeout(5000)
      .emitWithAck("join", nickname)
      .then(
        (reply) => {
          if (!current) return;
          setError(reply.ok ? "" : reply.error);
          if (reply.ok) setJoinedAs(id);
        },
        (err) => current && setError(`could not join: ${err.message}`),
      );
    return () => {
      current = false;
    };
  }, [status, socket, nickname]);

  // Handlers can use current state freely: the hook always calls the latest one, subscribed once.
  useSocketEvent("message", (message) => setLines((list) => [...list, { key: `m${list.length}`, ...message }]));
  useSocketEvent("notice", (text) => setLines((list) => [...list, { key: `n${list.length}`, notice: String(text) }]));

  const ready = status === "connected" && joinedAs === socket.id;

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
      <header>
        <p id="status" data-status={status}>
          {nickname}: {statusText[status]}
        </p>
        <button id="leave" onClick={onLeave}>
          Leave
        </button>
      </header>
      <ul id="messages">
        {lines.map((line) =>
          line.notice ? (
            <li key={line.key} className="notice">
              {line.notice}
            </li>
          ) : (
            <li key={line.key} className="message">
              <b>{line.from}</b>: {line.text}
            </li>
          ),
        )}
      </ul>
      {error && <p role="alert">{error}</p>}
      <form id="composer" onSubmit={send}>
        <input id="text" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Write a message…" maxLength={500} />
        <button id="send" disabled={!ready || !draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
