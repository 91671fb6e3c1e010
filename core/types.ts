// Shared data shapes of the pipeline: source -> scheduler -> worker (tts -> codec) -> sink.

/** One row of the input dataset. `index` is the dataset's index column, or the row number. */
export interface TextItem {
  index: number;
  text: string;
}

/** A row that made it through TTS and the codec. */
export interface EncodedItem {
  index: number;
  /** EnCodec codes interleaved over codebooks: [c0_t0, c1_t0, c0_t1, c1_t1, ...]. */
  tokens: Int32Array;
  /** Seconds of synthesized audio. */
  seconds: number;
  /** Number of pieces the text was split into (1 unless long text was split). */
  pieces: number;
}

/** A row that exhausted its retries (or was rejected as bad input). */
export interface FailedItem {
  index: number;
  error: string;
  attempts: number;
}

/** What a worker returns for one item: tokens, or the error that stopped it. */
export type ItemOutcome =
  | { index: number; ok: true; tokens: Int32Array; seconds: number; pieces: number }
  | { index: number; ok: false; error: string; retriable: boolean };

/** Live counters, emitted by the pipeline while it runs. */
export interface Progress {
  total: number;
  done: number;
  failed: number;
  /** Rows already in the output before this run started (resume). */
  skipped: number;
  retries: number;
  audioSeconds: number;
  elapsedMs: number;
  itemsPerSecond: number;
  audioSecondsPerSecond: number;
  /** Seconds left at the current rate, or undefined before the first row. */
  etaSeconds?: number;
}

/** The final account of a run. */
export interface RunSummary extends Progress {
  shards: string[];
  aborted: boolean;
}
