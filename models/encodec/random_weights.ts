// EnCodec-shaped state dicts with seeded random weights, in the original or the Hugging Face layout.
// Sizes: `filters` 32 and `dim` 128 give the real 24 kHz model; tests and demo models use micro sizes.
import { f32, type TensorSpec } from "../checkpoint/writer.ts";

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s >>> 12;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

export interface EncodecSize {
  filters: number;
  dim: number;
  bins: number;
  codebooks: number;
  lstmLayers: number;
}

export const REAL_ENCODEC: EncodecSize = { filters: 32, dim: 128, bins: 1024, codebooks: 32, lstmLayers: 2 };
export const MICRO_ENCODEC: EncodecSize = { filters: 2, dim: 8, bins: 1024, codebooks: 4, lstmLayers: 2 };

export function randomEncodecStateDict(size: EncodecSize, seed: number, layout: "original" | "huggingface" = "original", weightNorm = true): Record<string, TensorSpec> {
  const rnd = seededRandom(seed);
  const out: Record<string, TensorSpec> = {};
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => rnd() * scale);
  const ratios = [2, 4, 5, 8];
  const conv = (side: string, i: number, sub: string, shape: [number, number, number], transposed = false) => {
    const inner = layout === "original"
      ? `${side}.model.${i}${sub}.${transposed ? "convtr.convtr" : "conv.conv"}`
      : `${side}.layers.${i}${sub}.conv`;
    const n = shape[0] * shape[1] * shape[2];
    const fan = (transposed ? shape[0] : shape[1]) * shape[2];
    if (weightNorm) {
      out[`${inner}.weight_g`] = f32([shape[0], 1, 1], rand(shape[0], 1).map((v) => 0.5 + Math.abs(v)));
      out[`${inner}.weight_v`] = f32(shape, rand(n, 1));
    } else out[`${inner}.weight`] = f32(shape, rand(n, 1 / Math.sqrt(fan)));
    out[`${inner}.bias`] = f32([transposed ? shape[1] : shape[0]], rand(transposed ? shape[1] : shape[0], 0.1));
  };
  const res = (side: string, i: number, ch: number) => {
    conv(side, i, ".block.1", [ch / 2, ch, 3]);
    conv(side, i, ".block.3", [ch, ch / 2, 1]);
    conv(side, i, ".shortcut", [ch, ch, 1]);
  };
  const lstm = (side: string, i: number, ch: number) => {
    const p = layout === "original" ? `${side}.model.${i}.lstm` : `${side}.layers.${i}.lstm`;
    for (let l = 0; l < size.lstmLayers; l++) {
      const s = 1 / Math.sqrt(ch);
      out[`${p}.weight_ih_l${l}`] = f32([4 * ch, ch], rand(4 * ch * ch, s));
      out[`${p}.weight_hh_l${l}`] = f32([4 * ch, ch], rand(4 * ch * ch, s));
      out[`${p}.bias_ih_l${l}`] = f32([4 * ch], rand(4 * ch, s));
      out[`${p}.bias_hh_l${l}`] = f32([4 * ch], rand(4 * ch, s));
    }
  };
  // Encoder
  let ch = size.filters;
  conv("encoder", 0, "", [ch, 1, 7]);
  ratios.forEach((r, j) => {
    res("encoder", 1 + 3 * j, ch);
    conv("encoder", 3 + 3 * j, "", [ch * 2, ch, 2 * r]);
    ch *= 2;
  });
  lstm("encoder", 13, ch);
  conv("encoder", 15, "", [size.dim, ch, 7]);
  // Decoder
  conv("decoder", 0, "", [ch, size.dim, 7]);
  lstm("decoder", 1, ch);
  [...ratios].reverse().forEach((r, j) => {
    conv("decoder", 3 + 3 * j, "", [ch, ch / 2, 2 * r], true);
    ch /= 2;
    res("decoder", 4 + 3 * j, ch);
  });
  conv("decoder", 15, "", [1, ch, 7]);
  for (let q = 0; q < size.codebooks; q++) {
    const p = layout === "original" ? `quantizer.vq.layers.${q}._codebook` : `quantizer.layers.${q}.codebook`;
    out[`${p}.embed`] = f32([size.bins, size.dim], rand(size.bins * size.dim, 1 / (q + 1)));
    if (layout === "original") {
      // Training-only buffers of the original file; not read, so zeros keep the random stream layout-neutral.
      out[`${p}.cluster_size`] = f32([size.bins], new Float32Array(size.bins));
      out[`${p}.embed_avg`] = f32([size.bins, size.dim], new Float32Array(size.bins * size.dim));
      out[`${p}.inited`] = f32([1], [1]);
    }
  }
  return out;
}
