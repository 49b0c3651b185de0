// Binary inside packet data: detection and placeholders on send, placeholders checked and filled on receive.

import { invalidArg, ProtocolError } from "../errors";
import { isBinary, type BinaryValue } from "../internal/binary";
import { DEV } from "../internal/dev";

// The binary test (a value sent as a separate attachment instead of inside the JSON text) is shared with the
// session; the codec's users import it from here.
export { isBinary, type BinaryValue };

/**
 * Deepest nesting the codec walks, on both sides. Real payloads stay within a few dozen levels; a walk of
 * 1000 recursive frames uses a small fraction of the default V8 stack (roughly 6000 such frames fit when
 * called from the top), which leaves room because the codec is itself called deep inside transport and
 * user code. On send the cap also turns circular data into a clear error instead of a RangeError. Sender
 * and receiver share the limit so whatever siolink encodes, siolink can decode.
 */
export const MAX_DEPTH = 1000;

/** Where a received attachment goes: its holder (an array or object of the payload) and key there. */
export type Slot = [holder: object, key: string];

/**
 * True when `value` would put binary data on the wire: binary anywhere inside arrays and own enumerable
 * properties, or returned by a `toJSON` method (given the property name, as JSON.stringify gives it). Binary
 * is tested before `toJSON` because Node's Buffer has a `toJSON` that would turn it into
 * `{type:"Buffer",data:[...]}`. Allocates nothing and stops at the first binary value found.
 * @throws SioError ERR_INVALID_ARG when the data is nested deeper than MAX_DEPTH (or circular).
 */
export function hasBinary(value: unknown, key: string | number = "", depth = 0): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth > MAX_DEPTH) {
    throw invalidArg(DEV ? `cannot encode packet: data is nested deeper than ${MAX_DEPTH} levels (circular reference?)` : `${MAX_DEPTH}`);
  }
  if (isBinary(value)) return true;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return hasBinary(toJSON.call(value, String(key)), key, depth + 1);
  // Arrays by index: for-in over an array is several times slower, and every emit walks its arguments.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinary(value[i], i, depth + 1)) return true;
    return false;
  }
  for (const k in value) if (Object.hasOwn(value, k) && hasBinary((value as Record<string, unknown>)[k], k, depth + 1)) return true;
  return false;
}

/**
 * A JSON.stringify replacer that sends binary values as `{"_placeholder":true,"num":N}` and pushes them onto
 * `attachments`, numbered in the order of the text (as socket.io-parser numbers them). Binary children are
 * swapped for a stand-in when their holder is visited, in a shallow copy: JSON.stringify calls a value's `toJSON`
 * before the replacer sees it, and Node's Buffer.toJSON would turn 64 KiB into an array of 65,536 numbers. The
 * stand-in gets its number when JSON.stringify reaches it (a placeholder numbering itself through a getter costs
 * twice the time: JSON.stringify leaves its fast path for accessors). The caller's data is never modified.
 */
export function placeholderReplacer(attachments: BinaryValue[]): (key: string, value: unknown) => unknown {
  const standIns = new Map<unknown, BinaryValue>();
  return (_key, value) => {
    // A stand-in, or binary a toJSON returned.
    const binary = standIns.get(value) ?? value;
    if (isBinary(binary)) return { _placeholder: true, num: attachments.push(binary) - 1 };
    if (typeof value !== "object" || value === null) return value;
    let copy: Record<string, unknown> | undefined;
    for (const k in value) {
      const item = (value as Record<string, unknown>)[k];
      if (Object.hasOwn(value, k) && isBinary(item)) {
        const standIn = {};
        standIns.set(standIn, item);
        // An own key of the copy too (spread and slice copy "__proto__" as a plain own property): assignment
        // replaces the value and never reaches a setter.
        (copy ??= (Array.isArray(value) ? value.slice() : { ...value }) as Record<string, unknown>)[k] = standIn;
      }
    }
    return copy ?? value;
  };
}

/**
 * The placeholders of a received binary packet, checked before any attachment arrives: each `num` must be an
 * integer in [0, count), used once, and every attachment must be referenced. Returns where each attachment
 * goes, by number.
 * @throws ProtocolError when a placeholder is invalid or the count does not match.
 */
export function findPlaceholders(data: unknown, count: number): Slot[] {
  const slots: Slot[] = [];
  let found = 0;
  const walk = (holder: object, depth: number): void => {
    if (depth > MAX_DEPTH) throw new ProtocolError(DEV ? `binary packet payload is nested deeper than ${MAX_DEPTH} levels` : `${MAX_DEPTH}`);
    // Own properties only (JSON.parse makes nothing else), so a polluted Object.prototype adds no placeholder.
    for (const [key, item] of Object.entries(holder) as [string, Record<string, unknown>][]) {
      if (typeof item !== "object" || item === null) continue;
      if (!Object.hasOwn(item, "_placeholder") || item._placeholder !== true) {
        walk(item, depth + 1);
        continue;
      }
      const num = Object.hasOwn(item, "num") ? item.num : undefined;
      if (!(Number.isInteger(num) && (num as number) >= 0 && (num as number) < count) || slots[num as number]) {
        throw new ProtocolError(
          DEV
            ? !Number.isInteger(num)
              ? `binary placeholder "num" must be an integer, got ${JSON.stringify(num) ?? "nothing"}`
              : slots[num as number]
                ? `binary placeholder num ${num as number} is used more than once`
                : `binary placeholder num ${num as number} is out of range for ${count} attachment(s)`
            : `${String(num)} ${count}`,
        );
      }
      slots[num as number] = [holder, key];
      found++;
    }
  };
  // A binary packet's payload is an array (contentProblem checked it).
  walk(data as unknown[], 0);
  if (found !== count) {
    throw new ProtocolError(DEV ? `binary packet declares ${count} attachment(s) but its payload references ${found}` : `${count} ${found}`);
  }
  return slots;
}
