// The ONNX graph contract between the WhisperSpeech converters (graphs) and the TypeScript generation loop.
// Follows ../shared/docs/models.md section 5, plus `attention_mask` so items can join a running batch.
// Float tensors float32 (K/V float16 in the fp16 twins, graph_common.ts); token tensors int64. Dynamic dims: B
// (batch), P (past length).

/** Sizes every graph set carries in its `model.json` descriptor (read by the loop, never hard-coded). */
export interface WhisperSpeechDims {
  kind: "t2s" | "s2a";
  numEncoderLayers: number;
  numDecoderLayers: number;
  numHeads: number;
  headDim: number; // 64
  hiddenSize: number;
  /** t2s: 514 logits (513 codes + 1 special); s2a: 1026 per codebook. */
  vocab: number;
  /** t2s: 550 text slots; s2a: 750 semantic slots. */
  encoderLen: number;
  /** t2s: 750 decoder positions; s2a: 2250. */
  maxPositions: number;
  /** s2a: 4 codebooks. */
  quantizers?: number;
  /** t2s: 512 (start and end); s2a: 1025 (not started) and 1024 (pad/end). */
  startToken: number;
  eosToken: number;
  /** Languages the checkpoint was trained with, when known. */
  languages?: string[];
}

export const T2S_ENCODER = {
  file: "t2s_encoder.onnx",
  inputs: { textTokens: "text_tokens", languageIds: "language_ids" }, // [B,550] int64 each
  /** cross-attention K/V for decoder layer i: [B,H,550,64] (sqrt(qk_scale) folded into K). */
  crossKey: (i: number) => `encoder_kv.${i}.key`,
  crossValue: (i: number) => `encoder_kv.${i}.value`,
} as const;

export const T2S_DECODER = {
  file: "t2s_decoder.onnx",
  inputs: {
    inputIds: "input_ids", // [B,1] int64: previous token (512 at step 0)
    positionIds: "position_ids", // [B,1] int64: absolute position of this token (0..749)
    cpsBin: "cps_bin", // [B] int64: min(31, trunc(cps/20*32))
    /** [B, C+1] float32: 1 = attend to that cache slot (the last slot is the current token), 0 = padding or unused. */
    attentionMask: "attention_mask",
  },
  crossKey: T2S_ENCODER.crossKey,
  crossValue: T2S_ENCODER.crossValue,
  /** [B,H,C,64]: the self-attention cache with C slots of capacity (the loop appends in place). */
  pastKey: (i: number) => `past_key_values.${i}.key`,
  pastValue: (i: number) => `past_key_values.${i}.value`,
  logits: "logits", // [B,1,514], already scaled by output_mult/(D/192)
  /** [B,H,1,64]: this token's K/V, for the loop to write into the cache slot after the row's last one. */
  stepKey: (i: number) => `step_kv.${i}.key`,
  stepValue: (i: number) => `step_kv.${i}.value`,
} as const;

export const S2A_ENCODER = {
  file: "s2a_encoder.onnx",
  inputs: { semanticTokens: "semantic_tokens", speakerEmbedding: "speaker_embedding" }, // [B,750] int64; [B,192] f32
  crossKey: (i: number) => `encoder_kv.${i}.key`, // [B,H,750,64], RoPE at positions 3j
  crossValue: (i: number) => `encoder_kv.${i}.value`,
} as const;

export const S2A_DECODER = {
  file: "s2a_decoder.onnx",
  inputs: {
    inputIds: "input_ids", // [B,4,1] int64: column p of the delay grid (1025 = not started)
    positionIds: "position_ids", // [B,1] int64: p
    attentionMask: "attention_mask", // [B,C+1] float32, as in T2S
  },
  crossKey: S2A_ENCODER.crossKey,
  crossValue: S2A_ENCODER.crossValue,
  pastKey: T2S_DECODER.pastKey,
  pastValue: T2S_DECODER.pastValue,
  logits: "logits", // [B,4,1,1026], scaled
  stepKey: T2S_DECODER.stepKey,
  stepValue: T2S_DECODER.stepValue,
} as const;

export const VOCOS = {
  file: "vocos.onnx",
  /** float16 weights and products; convolutions, norms and the ISTFT float32 (models/vocos/graph.ts). */
  fp16File: "vocos_fp16.onnx",
  inputs: { audioCodes: "audio_codes", bandwidthId: "bandwidth_id" }, // [B,4,T] int64; [1] int64 (1 for 4 codebooks)
  output: "audio_values", // [B, 320*T] float32, 24 kHz
} as const;
