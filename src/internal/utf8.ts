// UTF-8 byte counting without encoding: the transports and the browser platform check received sizes with it.

/** Bytes of `text` once UTF-8 encoded (what servers count against their limits); a lone surrogate goes as U+FFFD. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
