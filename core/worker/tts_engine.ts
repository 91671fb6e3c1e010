// Text -> speech. Implemented by models/whisperspeech (and by test doubles in test/fakes).

/** Generation settings that apply to a whole request. */
export interface TtsOptions {
  /** Speaker preset name, or a 192-d vector. */
  speaker?: string | Float32Array;
  /** Language code, e.g. "en", "pl". */
  lang?: string;
  /** Characters per second conditioning (WhisperSpeech default 15). */
  cps?: number;
  /** Sampling temperature; 0 is greedy. */
  temperature?: number;
  topK?: number;
  /** Base seed; each item derives its own stream from (seed, index), so output does not depend on batching. */
  seed?: number;
  /** What to do with text past the model's input limit. */
  longText?: "split" | "truncate" | "fail";
}

export interface TtsRequest {
  index: number;
  text: string;
  /** 1-based try of this row (absent = 1): a retry draws other sampling noise, so it can succeed where the
   * first draw failed; the same try always draws the same noise. */
  attempt?: number;
}

/** Speech for one item, or why it could not be made. */
export type TtsResult =
  | { index: number; ok: true; pcm: Float32Array; sampleRate: number; pieces: number }
  | { index: number; ok: false; error: Error };

export interface TtsEngine {
  /** Hz of the PCM that synthesize() returns. */
  readonly sampleRate: number;
  /** Synthesizes a batch; one result per request, in order. Per-item failures do not fail the batch. */
  synthesize(requests: TtsRequest[], options: TtsOptions): Promise<TtsResult[]>;
  dispose(): Promise<void>;
}
