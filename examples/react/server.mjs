// The React sample's server: builds the app (main.jsx) with rollup, serves it, and runs the chat room it
// talks to, on 127.0.0.1. Run `node examples/react/server.mjs`, then open the printed URL in two tabs.
// PORT picks the port (0 = any free one); without it the sample takes 3001 or the next free port after it.
// NODE_ENV=development builds React's development version (StrictMode's double mount included).

import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { chatRoom } from "../shared/chat-room.mjs";
import { ensureBuilt, listen } from "../shared/serve.mjs";
import { buildApp, packageFiles } from "./build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
await ensureBuilt(packageFiles);

const mode = process.env.NODE_ENV === "development" ? "development" : "production";
const app = await buildApp({ input: join(here, "main.jsx"), mode });
const page = await readFile(join(here, "index.html"));

const http = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path === "/") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
  if (path === "/app.js") return void res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(app);
  // Browsers ask for it unprompted; a 404 would show up as an error in the console.
  if (path === "/favicon.ico") return void res.writeHead(204).end();
  res.writeHead(404, { "content-type": "text/plain" }).end("not found");
});

// The same room as the chat demo (examples/chat): join with a nickname, then send messages.
const io = new Server(http, { serveClient: false });
chatRoom(io);
listen(http, io, { label: "siolink react demo", defaultPort: 3001 });
