// Names and values shared by the layers: the reserved event names, write options.

/** Socket event names users may listen to but never emit: the library emits them itself. */
export const RESERVED_EVENTS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
  // siolink's own socket events: namespaced with ":" so an app's server events (often "status") never clash.
  "status:change",
  "buffer:drop",
]);

/**
 * Write options of a packet (the engine and custom parsers only read them): shared frozen objects, so no
 * write allocates one.
 */
export const COMPRESSED: Readonly<{ compress: true }> = /* @__PURE__ */ Object.freeze({ compress: true });
export const UNCOMPRESSED: Readonly<{ compress: false }> = /* @__PURE__ */ Object.freeze({ compress: false });
