// The chat demo: a socket.io server on 127.0.0.1 that also serves the chat page and the siolink script bundle.
// Run `npm start` (or `node examples/chat/server.mjs`), then open the printed URL in two browser tabs.
// PORT picks the port (0 = any free one); without it the demo takes 3000 or the next free port after it.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const host = process.env.HOST ?? "127.0.0.1";

if (!existsSync(join(root, "dist", "siolink.min.js"))) {
  console.log("dist/siolink.min.js is missing: building it with rollup…");
  const build = spawnSync("npx", ["rollup", "-c"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    console.error("the build failed; run `npx rollup -c` to see why");
    process.exit(1);
  }
}

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
const nicknames = new Map(); // socket id → nickname, for everyone who has joined

const clean = (value, max) => (typeof value === "string" ? value.trim().slice(0, max) : "");
const presence = () => io.emit("presence", [...nicknames.values()].sort());

io.on("connection", (socket) => {
  socket.on("join", (nickname, ack) => {
    if (typeof ack !== "function") return;
    const name = clean(nickname, 24);
    if (!name) return ack({ ok: false, error: "pick a nickname" });
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

/** Listens on PORT, or on 3000 and the ports after it until one is free. */
function listen(port, tries) {
  const onListening = () => {
    http.off("error", onError);
    console.log(`siolink chat demo: http://${host}:${http.address().port}/`);
  };
  const onError = (err) => {
    http.off("listening", onListening);
    if (err.code === "EADDRINUSE" && tries > 1) return listen(port + 1, tries - 1);
    console.error(`cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  };
  http.once("listening", onListening);
  http.once("error", onError);
  http.listen(port, host);
}

const wanted = process.env.PORT;
if (wanted !== undefined && !/^\d+$/.test(wanted)) {
  console.error(`PORT must be a number, got "${wanted}"`);
  process.exit(1);
}
listen(wanted === undefined ? 3000 : Number(wanted), wanted === undefined ? 50 : 1);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    io.close(() => process.exit(0));
    http.closeAllConnections();
  });
}
