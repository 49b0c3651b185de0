// The React sample's server: builds the app (main.jsx) with rollup, serves it, and runs the chat room it
// talks to, on 127.0.0.1. Run `node examples/react/server.mjs`, then open the printed URL in two tabs.
// PORT picks the port (0 = any free one); without it the sample takes 3001 or the next free port after it.
// NODE_ENV=development builds React's development version (StrictMode's double mount included).

import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { buildApp } from "./build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const host = process.env.HOST ?? "127.0.0.1";
const wanted = process.env.PORT;
if (wanted !== undefined && !/^\d+$/.test(wanted)) {
  console.error(`PORT must be a number, got "${wanted}"`);
  process.exit(1);
}

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

// The same room as the chat demo (examples/chat/server.mjs): join with a nickname, then send messages.
const io = new Server(http, { serveClient: false });
const nicknames = new Map(); // socket id → nickname, for everyone who has joined

const clean = (value, max) => (typeof value === "string" ? value.trim().slice(0, max) : "");

io.on("connection", (socket) => {
  socket.on("join", (nickname, ack) => {
    if (typeof ack !== "function") return;
    const name = clean(nickname, 24);
    if (!name) return ack({ ok: false, error: "pick a nickname" });
    const rejoining = nicknames.has(socket.id);
    nicknames.set(socket.id, name);
    ack({ ok: true, nickname: name });
    if (!rejoining) socket.broadcast.emit("notice", `${name} joined`);
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
    if (nicknames.delete(socket.id)) io.emit("notice", `${name} left`);
  });
});

/** Listens on PORT, or on 3001 and the ports after it until one is free. */
function listen(port, tries) {
  const onListening = () => {
    http.off("error", onError);
    console.log(`siolink react demo: http://${host}:${http.address().port}/`);
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

listen(wanted === undefined ? 3001 : Number(wanted), wanted === undefined ? 50 : 1);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    io.close(() => process.exit(0));
    http.closeAllConnections();
  });
}
