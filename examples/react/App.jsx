// Pick a nickname, then chat. The <SocketProvider> exists only while in the room: leaving unmounts it, which
// closes the connection; joining again opens a new one.

import { useState } from "react";
import { SocketProvider } from "siolink/react";
import { ChatRoom } from "./ChatRoom.jsx";

export function App({ serverUrl }) {
  const [nickname, setNickname] = useState("");
  const [draft, setDraft] = useState("");

  if (!nickname) {
    return (
      <form
        id="login"
        onSubmit={(event) => {
          event.preventDefault();
          setNickname(draft.trim());
        }}
      >
        <input id="nickname" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Your nickname" maxLength={24} />
        <button id="join" disabled={!draft.trim()}>
          Join
        </button>
      </form>
    );
  }

  return (
    <SocketProvider url={serverUrl} options={{ reconnectionDelayMax: 2000 }}>
      <ChatRoom nickname={nickname} onLeave={() => setNickname("")} />
    </SocketProvider>
  );
}
