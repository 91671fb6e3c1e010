// One encoder block (self-attention + MLP) and one decoder step block (cached self-attention + cross-attention
// over precomputed K/V + MLP), as WhisperSpeech's ResidualAttentionBlock computes them.
import type { Value } from "../onnx/graph_builder.ts";
import { type BlockBuilder, kvType, rotate, toKv } from "./graph_common.ts";

export interface RopeAt {
  cos: Value;
  sin: Value;
}

/** Pre-LN self-attention inputs of a block: q, k (scaled by sqrt(qk_scale), rotated when RoPE) and v. */
function selfQkv(b: BlockBuilder, x: Value, prefix: string, sqrtQk: number, rope?: RopeAt) {
  const ln = b.layerNorm(x, `${prefix}.attn_ln`);
  let q = b.splitHeads(b.linear(ln, `${prefix}.attn.query`, sqrtQk));
  let k = b.splitHeads(b.linear(ln, `${prefix}.attn.key`, sqrtQk, false));
  const v = b.splitHeads(b.linear(ln, `${prefix}.attn.value`));
  if (rope) {
    q = rotate(b.g, q, rope);
    k = rotate(b.g, k, rope);
  }
  return { q, k, v };
}

/** Encoder block over the whole sequence; `mask` additive [S,S] or "" (full attention). */
export function encoderLayer(b: BlockBuilder, x: Value, prefix: string, sqrtQk: number, mask: Value | "", rope?: RopeAt): Value {
  const g = b.g;
  const { q, k, v } = selfQkv(b, x, prefix, sqrtQk, rope);
  const attn = b.linear(b.mergeHeads(b.attend(q, k, v, mask)), `${prefix}.attn.out`);
  const h = g.op("Add", [x, attn]);
  return g.op("Add", [h, b.mlp(h, prefix)]);
}

/** Cross-attention K/V of one decoder layer from the encoder output: [B, H, L, 64] each. */
export function crossKv(b: BlockBuilder, xenc: Value, prefix: string, sqrtQk: number, rope?: RopeAt) {
  let k = b.splitHeads(b.linear(xenc, `${prefix}.cross_attn.key`, sqrtQk, false));
  if (rope) k = rotate(b.g, k, rope);
  const v = b.splitHeads(b.linear(xenc, `${prefix}.cross_attn.value`));
  return { k, v };
}

/**
 * One token per row through a decoder block. The self-attention cache comes in as [B, H, C, 64] (C slots of
 * capacity, unused ones masked) and only this token's K/V go out ([B, H, 1, 64]): the caller appends them
 * in place, so no step copies or allocates the whole cache (a Concat + output copy was 90% of a batch-16 step).
 */
export function decoderLayer(
  b: BlockBuilder,
  x: Value,
  prefix: string,
  sqrtQk: number,
  io: { pastK: Value; pastV: Value; crossK: Value; crossV: Value; mask: Value },
  rope?: RopeAt,
  crossRope?: RopeAt,
) {
  const g = b.g;
  const { q, k, v } = selfQkv(b, x, prefix, sqrtQk, rope);
  const half = b.precision === "fp16"; // the caches and cross K/V come in as float16
  const attn = b.linear(b.mergeHeads(b.attendCached(q, k, v, io.pastK, io.pastV, io.mask, half)), `${prefix}.attn.out`);
  let h = g.op("Add", [x, attn]);
  let cq = b.splitHeads(b.linear(b.layerNorm(h, `${prefix}.cross_attn_ln`), `${prefix}.cross_attn.query`, sqrtQk));
  if (crossRope ?? rope) cq = rotate(g, cq, (crossRope ?? rope)!);
  h = g.op("Add", [h, b.linear(b.mergeHeads(b.attend(cq, io.crossK, io.crossV, "", half)), `${prefix}.cross_attn.out`)]);
  return { out: g.op("Add", [h, b.mlp(h, prefix)]), stepK: k, stepV: v };
}

/** The decoder contract's per-layer tensor names (shared by T2S and S2A). */
export interface DecoderLayerNames {
  pastKey(i: number): string;
  pastValue(i: number): string;
  crossKey(i: number): string;
  crossValue(i: number): string;
  stepKey(i: number): string;
  stepValue(i: number): string;
}

/** Decoder layer i with its graph inputs (cache, cross K/V) and its step K/V outputs declared by contract name. */
export function contractDecoderLayer(
  b: BlockBuilder,
  x: Value,
  i: number,
  names: DecoderLayerNames,
  shape: { heads: number; headDim: number; encoderLen: number },
  sqrtQk: number,
  mask: Value,
  rope?: RopeAt,
  crossRope?: RopeAt,
): Value {
  const g = b.g, { heads: H, headDim: hd } = shape, kv = kvType(b.precision);
  const io = {
    pastK: g.input(names.pastKey(i), kv, ["batch", H, "capacity", hd]),
    pastV: g.input(names.pastValue(i), kv, ["batch", H, "capacity", hd]),
    crossK: g.input(names.crossKey(i), kv, ["batch", H, shape.encoderLen, hd]),
    crossV: g.input(names.crossValue(i), kv, ["batch", H, shape.encoderLen, hd]),
    mask,
  };
  const layer = decoderLayer(b, x, `decoder.layers.${i}`, sqrtQk, io, rope, crossRope);
  g.output(toKv(g, layer.stepK, b.precision), names.stepKey(i), kv, ["batch", H, 1, hd]);
  g.output(toKv(g, layer.stepV, b.precision), names.stepValue(i), kv, ["batch", H, 1, hd]);
  return layer.out;
}
