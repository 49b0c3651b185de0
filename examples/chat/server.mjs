// The chat demo: a socket.io server on 127.0.0.1 that also serves the chat page and the siolink script bundle.
// Run `npm start` (or `node examples/chat/server.mjs`), then open the printed URL in two browser tabs.
// PORT picks the port (0 = any free one); without it the demo takes 3000 or the next free port after it.

import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { chatRoom } from "../shared/chat-room.mjs";
import { ensureBuilt, listen, root } from "../shared/serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
await ensureBuilt(["dist/siolink.min.js"]);

const files = {
  "/": { path: join(here, "index.html"), type: "text/html; charset=utf-8" },
  "/siolink.min.js": { path: join(root, "dist", "siolink.min.js"), type: "text/javascript; charset=utf-8" },
  "/siolink.min.js.map": { path: join(root, "dist", "siolink.min.js.map"), type: "application/json" },
};

const http = createServer(async (req, res) => {
  const file = files[new URL(req.url ?? "/", "http://localhost").pathname];
  if (!file) return void res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  try {
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-cache" }).end(await readFile(file.path));
  } catch {
    res.writeHead(500, { "content-type": "text/plain" }).end("could not read the file");
  }
});

const io = new Server(http, { serveClient: false });
chatRoom(io);
listen(http, io, { label: "siolink chat demo", defaultPort: 3000 });
