// What counts as binary data: one test shared by the codec (attachments) and the session (what a write may carry).

/** A value sent as binary: an ArrayBuffer, a view on one, or a Blob. */
export type BinaryValue = ArrayBuffer | ArrayBufferView | Blob;

/** ArrayBuffer, any TypedArray, DataView, Node Buffer, and Blob/File where the platform has Blob. */
export function isBinary(value: unknown): value is BinaryValue {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    // Blob looked up at call time: some runtimes (React Native) install it after this module loads.
    (typeof Blob !== "undefined" && value instanceof Blob)
  );
}
