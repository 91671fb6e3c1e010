// Speech -> tokens (and back). Implemented by models/encodec (and by test doubles in test/fakes).

export interface AudioCodec {
  /** Hz the codec works at (24000 for EnCodec 24 kHz). */
  readonly sampleRate: number;
  /** Codebooks per frame in the token stream (2 at 1.5 kbps). */
  readonly codebooks: number;
  /** Mono PCM at `sampleRate` Hz (resampled when it differs) -> interleaved codes [c0_t0, c1_t0, c0_t1, ...]. */
  encode(pcm: Float32Array, sampleRate: number): Promise<Int32Array>;
  /** Interleaved codes -> mono PCM at `this.sampleRate`. */
  decode(tokens: Int32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}
