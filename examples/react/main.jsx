// Entry of the React sample: StrictMode on, as in a development build of any React app, to show that the
// provider still opens a single connection.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.jsx";

// The page is served by the chat server itself (server.mjs); elsewhere, pass that server's URL.
createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App serverUrl={location.origin} />
  </StrictMode>,
);
