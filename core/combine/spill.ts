// Bucket files for the external sort that combine falls back to when rows do not come in index order (a
// shuffled index column): one pass scatters rows into buckets by index range, then each bucket, small enough
// to hold, is sorted on its own. The runtime provides the files (deno/spill_files.ts).

export interface SpillFiles {
  /** Appends one line (no newline) to bucket `bucket`. */
  append(bucket: number, line: string): Promise<void>;
  /** The lines of a bucket, once every append is done. */
  lines(bucket: number): AsyncIterable<string>;
  /** Removes every bucket file. */
  dispose(): Promise<void>;
}

/** Index ranges of `rowsPerBucket` consecutive done indices: bucket k starts at done[k * rowsPerBucket]. */
export class Buckets {
  readonly count: number;
  constructor(private done: Float64Array, private rowsPerBucket: number) {
    this.count = Math.ceil(done.length / rowsPerBucket);
  }

  /** The bucket whose range holds `index` (a done index, or any index within the done range). */
  of(index: number): number {
    let [lo, hi] = [0, this.count - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.done[mid * this.rowsPerBucket] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The done indices of bucket k, in order. */
  indices(k: number): Float64Array {
    return this.done.subarray(k * this.rowsPerBucket, Math.min(this.done.length, (k + 1) * this.rowsPerBucket));
  }
}
