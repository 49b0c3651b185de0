// siolink/server: Node-side helpers for socket.io 4 servers. Imports nothing of socket.io at runtime.

export { exactlyOnce, MemoryStore } from "./exactly-once";
export type { ExactlyOnceMiddleware, ExactlyOnceOptions, ExactlyOnceStore, MemoryStoreOptions, Reply } from "./exactly-once";
