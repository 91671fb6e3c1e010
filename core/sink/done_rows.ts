// The rows an output already holds, kept compact for resume of multi-million-row jobs: indices in one sorted
// Float64Array and their text hashes in a Uint32Array (two words per row), about 16 bytes per row and no
// per-row objects. Built shard by shard, frozen once, then looked up by binary search.
import { textHashWords } from "./row_hash.ts";

export class DoneRows {
  #index = new Float64Array(1024);
  #hash = new Uint32Array(2048);
  #n = 0;
  #sorted = true;
  #frozen = false;

  #distinct = 0;

  /** Distinct rows. */
  get size(): number {
    if (!this.#frozen) this.freeze();
    return this.#distinct;
  }

  /** Appends a row (before freeze). `hash` is 16 hex digits, or undefined when the output predates row hashes. */
  add(index: number, hash: string | undefined) {
    if (this.#frozen) throw new Error("internal: DoneRows is frozen");
    if (this.#n === this.#index.length) {
      const index = new Float64Array(this.#n * 2);
      index.set(this.#index);
      const hash = new Uint32Array(this.#n * 4);
      hash.set(this.#hash);
      this.#index = index;
      this.#hash = hash;
    }
    if (this.#n > 0 && index <= this.#index[this.#n - 1]) this.#sorted = false;
    this.#index[this.#n] = index;
    this.#hash[2 * this.#n] = hash ? parseInt(hash.slice(0, 8), 16) : 0;
    this.#hash[2 * this.#n + 1] = hash ? parseInt(hash.slice(8, 16), 16) : 0;
    this.#n++;
  }

  /** Sorts once; returns the indices that occur more than once (rows in two shards). */
  freeze(): number[] {
    if (this.#frozen) return [];
    this.#frozen = true;
    if (!this.#sorted) {
      const order = new Uint32Array(this.#n).map((_, i) => i).sort((x, y) => this.#index[x] - this.#index[y]);
      const index = new Float64Array(this.#n);
      const hash = new Uint32Array(2 * this.#n);
      order.forEach((from, to) => {
        index[to] = this.#index[from];
        hash[2 * to] = this.#hash[2 * from];
        hash[2 * to + 1] = this.#hash[2 * from + 1];
      });
      this.#index = index;
      this.#hash = hash;
      this.#sorted = true;
    }
    const dups: number[] = [];
    for (let i = 1; i < this.#n; i++) if (this.#index[i] === this.#index[i - 1]) dups.push(this.#index[i]);
    this.#distinct = this.#n - dups.length;
    return dups;
  }

  has(index: number): boolean {
    return this.#find(index) >= 0;
  }

  /** The recorded text hash of a done row; undefined when not done or recorded without one. */
  hashOf(index: number): string | undefined {
    const at = this.#find(index);
    if (at < 0) return undefined;
    const [a, b] = [this.#hash[2 * at], this.#hash[2 * at + 1]];
    if (a === 0 && b === 0) return undefined;
    return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
  }

  /** Whether `text` hashes to the done row's recorded text hash; undefined when not done or recorded without one. */
  sameText(index: number, text: string): boolean | undefined {
    const at = this.#find(index);
    if (at < 0) return undefined;
    const [a, b] = [this.#hash[2 * at], this.#hash[2 * at + 1]];
    if (a === 0 && b === 0) return undefined;
    const words = textHashWords(text);
    return words[0] === a && words[1] === b;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.#n; i++) if (i === 0 || this.#index[i] !== this.#index[i - 1]) yield this.#index[i];
  }

  #find(index: number): number {
    if (!this.#frozen) this.freeze();
    let lo = 0;
    let hi = this.#n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#index[mid];
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
