// Binary inside packet data: detection, swap for placeholders on send, and attachments put back on receive.

import { invalidArg, ProtocolError, type SioError } from "../errors";
import { DEV } from "../internal/dev";

/**
 * Deepest nesting the codec walks, on both sides. Real payloads stay within a few dozen levels; a walk of
 * 1000 recursive frames uses a small fraction of the default V8 stack (roughly 6000 such frames fit when
 * called from the top), which leaves room because the codec is itself called deep inside transport and
 * user code. On send the cap also turns circular data into a clear error instead of a RangeError. Sender
 * and receiver share the limit so whatever siolink encodes, siolink can decode.
 */
export const MAX_DEPTH = 1000;

/** A value sent as a separate binary attachment instead of inside the JSON text. */
export type BinaryValue = ArrayBuffer | ArrayBufferView | Blob;

/** The marker that stands in the JSON text for attachment number `num`. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** ArrayBuffer, any TypedArray, DataView, Node Buffer, and Blob/File where the platform has Blob. */
export function isBinary(value: unknown): value is BinaryValue {
  return (
    typeof value === "object" &&
    value !== null &&
    (ArrayBuffer.isView(value) ||
      value instanceof ArrayBuffer ||
      // Blob looked up at call time: some runtimes (React Native) install it after this module loads.
      (typeof Blob !== "undefined" && value instanceof Blob))
  );
}

function tooDeepToEncode(): SioError {
  return invalidArg(DEV ? `cannot encode packet: data is nested deeper than ${MAX_DEPTH} levels (circular reference?)` : `${MAX_DEPTH}`);
}

type ToJSON = (this: unknown, key: string) => unknown;

/**
 * True when `value` would put binary data on the wire: binary anywhere inside arrays and own enumerable
 * properties, or returned by a `toJSON` method. Binary is tested before `toJSON` because Node's Buffer
 * has a `toJSON` that would turn it into `{type:"Buffer",data:[...]}`.
 *
 * Allocates nothing for plain JSON data and stops at the first binary value found.
 * @throws SioError ERR_INVALID_ARG when the data is nested deeper than MAX_DEPTH (or circular).
 */
export function hasBinary(value: unknown): boolean {
  return containsBinary(value, "", 0);
}

function containsBinary(value: unknown, key: string | number, depth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth > MAX_DEPTH) throw tooDeepToEncode();
  if (isBinary(value)) return true;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    // JSON.stringify hands toJSON the property name (array indexes as strings); do the same.
    return containsBinary((toJSON as ToJSON).call(value, String(key)), key, depth + 1);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (containsBinary(value[i], i, depth + 1)) return true;
    }
    return false;
  }
  for (const k in value) {
    if (hasOwn.call(value, k) && containsBinary((value as Record<string, unknown>)[k], k, depth + 1)) {
      return true;
    }
  }
  return false;
}

/**
 * Returns `value` with every binary value replaced by a placeholder and pushed onto `attachments`.
 * Copy-on-write: only the arrays and objects on the path to a binary value are copied; everything else,
 * including whole plain subtrees, is shared with the caller's data, which is never modified. Data without
 * binary comes back as the very same reference with nothing allocated, so one call both detects and
 * extracts.
 * @throws SioError ERR_INVALID_ARG when the data is nested deeper than MAX_DEPTH (or circular).
 */
export function extractBinary(value: unknown, attachments: BinaryValue[]): unknown {
  return extract(value, "", attachments, 0);
}

function extract(value: unknown, key: string | number, attachments: BinaryValue[], depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > MAX_DEPTH) throw tooDeepToEncode();
  if (isBinary(value)) {
    const placeholder: Placeholder = { _placeholder: true, num: attachments.push(value) - 1 };
    return placeholder;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const before = attachments.length;
    const out = extract((toJSON as ToJSON).call(value, String(key)), key, attachments, depth + 1);
    // No binary inside: keep the original so JSON.stringify serialises it exactly as it would have.
    return attachments.length === before ? value : out;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const out = extract(item, i, attachments, depth + 1);
      if (copy !== undefined) copy.push(out);
      else if (out !== item) {
        copy = value.slice(0, i);
        copy.push(out);
      }
    }
    return copy ?? value;
  }
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const k in source) {
    if (!hasOwn.call(source, k)) continue;
    const item = source[k];
    const out = extract(item, k, attachments, depth + 1);
    if (copy !== undefined) copy[k] = out;
    else if (out !== item) {
      // Null prototype: a "__proto__" key becomes a plain own property, never a prototype change.
      copy = Object.create(null) as Record<string, unknown>;
      for (const earlier in source) {
        if (earlier === k) break;
        if (hasOwn.call(source, earlier)) copy[earlier] = source[earlier];
      }
      copy[k] = out;
    }
  }
  return copy ?? value;
}

/** One placeholder found in a received payload, waiting for its attachment. */
interface Slot {
  holder: unknown[] | Record<string, unknown>;
  key: number | string;
  num: number;
}

/**
 * The placeholders of a received binary packet, checked before any attachment arrives: each `num` must be
 * an integer in [0, count), used once, and every attachment must be referenced.
 */
export class PlaceholderMap {
  readonly count: number;
  readonly #slots: Slot[] = [];
  readonly #seen: Uint8Array;

  /** @throws ProtocolError when a placeholder is invalid or the count does not match. */
  constructor(data: unknown, count: number) {
    this.count = count;
    this.#seen = new Uint8Array(count);
    this.#collect(data, 0);
    if (this.#slots.length !== count) {
      throw new ProtocolError(
        DEV ? `binary packet declares ${count} attachment(s) but its payload references ${this.#slots.length}` : `${count} ${this.#slots.length}`,
      );
    }
  }

  #collect(value: unknown, depth: number): void {
    if (typeof value !== "object" || value === null) return;
    if (depth > MAX_DEPTH) {
      throw new ProtocolError(DEV ? `binary packet payload is nested deeper than ${MAX_DEPTH} levels` : `${MAX_DEPTH}`);
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) this.#visit(value, i, value[i], depth);
      return;
    }
    const holder = value as Record<string, unknown>;
    for (const k in holder) {
      if (hasOwn.call(holder, k)) this.#visit(holder, k, holder[k], depth);
    }
  }

  #visit(holder: Slot["holder"], key: number | string, item: unknown, depth: number): void {
    if (typeof item !== "object" || item === null) return;
    if (!hasOwn.call(item, "_placeholder") || (item as { _placeholder?: unknown })._placeholder !== true) {
      this.#collect(item, depth + 1);
      return;
    }
    const num = hasOwn.call(item, "num") ? (item as { num?: unknown }).num : undefined;
    if (typeof num !== "number" || !Number.isInteger(num)) {
      throw new ProtocolError(DEV ? `binary placeholder "num" must be an integer, got ${JSON.stringify(num) ?? "nothing"}` : `${JSON.stringify(num) ?? "nothing"}`);
    }
    if (num < 0 || num >= this.count) {
      throw new ProtocolError(DEV ? `binary placeholder num ${num} is out of range for ${this.count} attachment(s)` : `${num} ${this.count}`);
    }
    if (this.#seen[num] === 1) {
      throw new ProtocolError(DEV ? `binary placeholder num ${num} is used more than once` : `${num}`);
    }
    this.#seen[num] = 1;
    this.#slots.push({ holder, key, num });
  }

  /** Puts each attachment where its placeholder was, in place. `attachments.length` must equal `count`. */
  fill(attachments: readonly BinaryValue[]): void {
    for (const { holder, key, num } of this.#slots) {
      if (Array.isArray(holder)) holder[key as number] = attachments[num];
      // Define rather than assign: defining can never run a setter (such as Object.prototype's
      // "__proto__"), whatever key the peer chose and whatever the holder's prototype chain holds.
      else Object.defineProperty(holder, key, { value: attachments[num], writable: true, enumerable: true, configurable: true });
    }
  }
}
