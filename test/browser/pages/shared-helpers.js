// Helpers of the siolink/shared test pages (shared.html, shared-esm.html), for the tests' page.evaluate callbacks.
"use strict";
// Every event a test listens to is recorded here, by event name.
window.log = {};
window.record = (socket, event) => socket.on(event, (...args) => (window.log[event] ??= []).push(args));
window.connected = (socket, timeoutMs = 15000) =>
  new Promise((resolve, reject) => {
    if (socket.connected) return resolve(socket.id);
    const timer = setTimeout(() => reject(new Error("timed out waiting for connect")), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket.id);
    });
  });
