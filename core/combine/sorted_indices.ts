// Sorted index lists as compact typed arrays (8 bytes a row, exact for every safe integer index).

/** Whether `value` is in sorted[from..to). */
export function sortedHas(sorted: Float64Array, value: number, from = 0, to = sorted.length): boolean {
  let [lo, hi] = [from, to - 1];
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Appends to a growing Float64Array; `finish` trims it. */
export class IndexListBuilder {
  private data = new Float64Array(1024);
  private n = 0;
  push(value: number) {
    if (this.n === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = value;
  }
  finish(): Float64Array {
    return this.data.slice(0, this.n);
  }
}
