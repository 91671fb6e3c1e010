// WhisperSpeech `.model` files with seeded random weights, in the original format (torch.save of
// {config, tunables, state_dict} with upstream's parameter names), for tests, benchmarks and demo models.
import { f16, f32, OrderedDict, stateDict, type TensorSpec, torchSave } from "../checkpoint/writer.ts";
import { seededRandom } from "../encodec/random_weights.ts";

export interface WhisperSpeechSize {
  depth: number;
  heads: number;
}

/** Upstream presets (depth x heads); micro is the demo/test size. */
export const PRESETS = {
  micro: { depth: 2, heads: 2 },
  tiny: { depth: 4, heads: 6 },
  base: { depth: 6, heads: 8 },
  small: { depth: 12, heads: 12 },
} satisfies Record<string, WhisperSpeechSize>;

/** Whisper's sinusoids(length, channels). */
export function sinusoids(length: number, channels: number): Float32Array {
  const half = channels / 2, inc = Math.log(10000) / (half - 1);
  const out = new Float32Array(length * channels);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const s = Math.fround(t * Math.fround(Math.exp(-inc * i)));
      out[t * channels + i] = Math.sin(s);
      out[t * channels + half + i] = Math.cos(s);
    }
  }
  return out;
}

class Maker {
  out: Record<string, TensorSpec> = {};
  rnd: () => number;
  constructor(seed: number, readonly half: boolean) {
    this.rnd = seededRandom(seed);
  }
  t(name: string, shape: number[], values: ArrayLike<number>) {
    this.out[name] = this.half ? f16(shape, values) : f32(shape, values);
  }
  rand(name: string, shape: number[], scale: number, offset = 0) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.t(name, shape, Float32Array.from({ length: n }, () => offset + this.rnd() * scale));
  }
  linear(name: string, out: number, inp: number, bias = true) {
    this.rand(`${name}.weight`, [out, inp], 1 / Math.sqrt(inp));
    if (bias) this.rand(`${name}.bias`, [out], 0.1);
  }
  ln(name: string, d: number) {
    this.rand(`${name}.weight`, [d], 0.2, 1);
    this.rand(`${name}.bias`, [d], 0.1);
  }
  attention(name: string, d: number, rope: boolean) {
    this.linear(`${name}.query`, d, d);
    this.linear(`${name}.key`, d, d, false);
    this.linear(`${name}.value`, d, d);
    this.linear(`${name}.out`, d, d);
    if (rope) this.t(`${name}.rotary.inv_freq`, [32], Float32Array.from({ length: 32 }, (_, i) => 1 / 10000 ** ((2 * i) / 64)));
  }
  block(name: string, d: number, cross: boolean, rope: boolean) {
    this.attention(`${name}.attn`, d, rope);
    this.ln(`${name}.attn_ln`, d);
    if (cross) {
      this.attention(`${name}.cross_attn`, d, rope);
      this.ln(`${name}.cross_attn_ln`, d);
    }
    this.linear(`${name}.mlp.0`, 4 * d, d);
    this.linear(`${name}.mlp.2`, d, 4 * d);
    this.ln(`${name}.mlp_ln`, d);
  }
}

const layerSplit = (depth: number) => {
  const enc = Math.trunc(depth * 2 * 0.25);
  return { enc, dec: depth * 2 - enc };
};

/**
 * `endBias` raises the end token's logit at every position (its embedding row and the unembedding bias share a
 * direction), so sampled rows end early; tests use it for a model that often ends after one token. `scales`
 * multiplies the tensors whose names match (the demo model's init: models/demo/demo_models.ts).
 */
export function randomT2sCheckpoint(
  size: WhisperSpeechSize,
  seed: number,
  options: { fp16?: boolean; endBias?: number; scales?: [RegExp, number][] } = {},
): Uint8Array {
  const d = size.heads * 64, sw = 64;
  const m = new Maker(seed, !!options.fp16);
  const { enc, dec } = layerSplit(size.depth);
  m.rand("lang_embeddings.weight", [99, d], 0.5);
  m.rand("cps_embeddings.weight", [32, d], 0.5);
  m.rand("encoder.embedding.main.weight", [256, d], 0.5);
  m.t("encoder.positional_embedding", [550, d], sinusoids(550, d));
  for (let i = 0; i < enc; i++) m.block(`encoder.layers.${i}`, d, false, false);
  m.ln("encoder.ln_post", d);
  m.rand("embeddings.embedding.main.weight", [513, sw], 1);
  m.linear("embeddings.embedding.emb_to_hidden", d, sw);
  m.linear("embeddings.embedding.hidden_to_emb", sw, d);
  m.rand("embeddings.embedding.special.weight", [1, d], 0.5);
  if (options.endBias) {
    // A shared direction u: the unembedding bias points along it and the end token's row is endBias * u, so
    // every position gets a similar push towards ending.
    const b = m.out["embeddings.embedding.hidden_to_emb.bias"].values as Float32Array;
    const row = m.out["embeddings.embedding.main.weight"].values as Float32Array;
    const u = Float32Array.from({ length: sw }, () => m.rnd());
    const norm = Math.hypot(...u);
    for (let i = 0; i < sw; i++) {
      b[i] = (3 * u[i]) / norm;
      row[512 * sw + i] = (options.endBias * u[i]) / norm;
    }
  }
  m.t("embeddings.positional_embedding", [750, d], sinusoids(750, d));
  for (let i = 0; i < dec; i++) m.block(`decoder.layers.${i}`, d, true, false);
  m.ln("decoder.ln_post", d);
  // Init scales per tensor (the demo model's: make the text matter); the draws above stay the same.
  for (const [pattern, factor] of options.scales ?? []) {
    for (const [name, spec] of Object.entries(m.out)) {
      if (!pattern.test(name)) continue;
      const v = spec.values as Float32Array;
      for (let i = 0; i < v.length; i++) v[i] *= factor;
    }
  }
  return torchSave({
    config: {
      depth: size.depth, n_head: size.heads, head_width: 64, ffn_mult: 4, stoks_width: sw, ttoks_width: null,
      ttoks_len: 550, stoks_len: 750, ttoks_codes: 256, stoks_codes: 513,
    },
    // Like the released v1.1 files: saved before padding_token_offset existed (so start/EOS = 512).
    tunables: {
      init_std: 1, embeddings_std: 0.01, embeddings_lr_scale: 5, embedding_projector_lr_scale: 2.5, output_mult: 0.35,
      query_mult: 1, encoder_depth_ratio: 0.25, causal_encoder: true, eot_dropout_p: 0.5, cps_input: true, cps_bins: 32,
      lr0: 1.5e-3, clip_gradient_norm: 0.2, weight_decay: 0.1, warmup_steps: 4000, random: false,
    },
    state_dict: stateDict(m.out),
  });
}

export function randomS2aCheckpoint(size: WhisperSpeechSize, seed: number, options: { fp16?: boolean } = {}): Uint8Array {
  const d = size.heads * 64, sw = 64, q = 4;
  const m = new Maker(seed, !!options.fp16);
  const { enc, dec } = layerSplit(size.depth);
  m.rand("semantic_embedding.weight", [513, sw], 1);
  m.linear("emb_to_hidden", d, sw);
  m.linear("spk_to_hidden", d, 192);
  for (let i = 0; i < enc; i++) m.block(`encoder.${i}`, d, false, true);
  m.ln("ln_post", d);
  m.rand("embds.embeddings.0.special.weight", [2, d], 0.5);
  const special = m.out["embds.embeddings.0.special.weight"];
  for (let c = 0; c < q; c++) {
    m.rand(`embds.embeddings.${c}.main.weight`, [1024, d], 0.5);
    m.out[`embds.embeddings.${c}.special.weight`] = special; // one module shared by every codebook
  }
  for (let i = 0; i < dec; i++) m.block(`decoder.layers.${i}`, d, true, true);
  m.ln("decoder.ln_post", d);
  m.linear("head.splitter.0", q * d, d);
  m.t("val_true", [q], new Float32Array(q));
  m.t("val_total", [q], new Float32Array(q));
  return torchSave({
    config: {
      depth: size.depth, ctx_n: 2250, stoks_len: 750, stoks_codes: 513, stoks_width: sw, spk_width: 192, atoks_width: null,
      n_head: size.heads, head_width: 64, ffn_mult: 4, quantizers: q, speaker_map: new OrderedDict([["1", 0]]),
    },
    tunables: {
      init_std: 9, embeddings_std: 0.2, embeddings_lr_scale: 10, output_mult: 5.6, query_mult: 0.3, encoder_depth_ratio: 0.25,
      linear_heads: false, rope: true, q0_loss_mult: 1, causal_encoder: false, lr0: 3e-3, clip_gradient_norm: 2,
      weight_decay: 1e-3, warmup_steps: 2000, random: false, random_finetune: false, force_hidden_to_emb: false,
    },
    state_dict: stateDict(m.out),
  });
}
