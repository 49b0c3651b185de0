// The namespaces of one Manager, by name.

/**
 * A string-keyed map for the namespaces of one Manager. Almost every Manager has exactly one namespace, and a
 * Map costs about 180 bytes even for one entry (a concern with thousands of clients in one process), so the
 * first entry lives in two fields and a Map is only made for a second namespace.
 */
export class NamespaceTable<V> {
  #key: string | undefined;
  #value: V | undefined;
  #more: Map<string, V> | undefined;

  get size(): number {
    return (this.#key === undefined ? 0 : 1) + (this.#more?.size ?? 0);
  }

  get(key: string): V | undefined {
    return key === this.#key ? this.#value : this.#more?.get(key);
  }

  has(key: string): boolean {
    return key === this.#key || this.#more?.has(key) === true;
  }

  set(key: string, value: V): void {
    // The first slot is used only while it keeps entries() in insertion order, as a Map would.
    if (key === this.#key || (this.#key === undefined && !this.#more?.size)) {
      this.#key = key;
      this.#value = value;
    } else {
      (this.#more ??= new Map()).set(key, value);
    }
  }

  delete(key: string): void {
    if (key === this.#key) {
      this.#key = undefined;
      this.#value = undefined;
    } else {
      this.#more?.delete(key);
    }
  }

  /** A snapshot of the entries: callers may change the table while going through it. */
  entries(): Array<[string, V]> {
    const out: Array<[string, V]> = this.#key === undefined ? [] : [[this.#key, this.#value as V]];
    if (this.#more !== undefined) for (const entry of this.#more) out.push(entry);
    return out;
  }
}
