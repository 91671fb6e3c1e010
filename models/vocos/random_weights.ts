// Vocos state dicts with seeded random weights in the original layout (what pytorch_model.bin holds), at the
// real size of vocos-encodec-24khz or a micro size for tests and demo models (same hop and n_fft).
import { f16, f32, type TensorSpec } from "../checkpoint/writer.ts";
import { seededRandom } from "../encodec/random_weights.ts";
import { hann } from "./weights.ts";

export interface VocosSize {
  dim: number;
  intermediate: number;
  layers: number;
}

export const REAL_VOCOS: VocosSize = { dim: 384, intermediate: 1152, layers: 8 };
export const MICRO_VOCOS: VocosSize = { dim: 16, intermediate: 32, layers: 2 };
/** Between the two, for parity tests that want more than one row of everything. */
export const MID_VOCOS: VocosSize = { dim: 64, intermediate: 192, layers: 3 };

export interface VocosRandomOptions {
  fp16?: boolean;
  nFft?: number;
  /** "encodec": the 16 books as EnCodec's quantizer holds them instead of vocos' stacked Parameter. */
  codebooks?: "stacked" | "encodec";
}

export function randomVocosStateDict(size: VocosSize, seed: number, options: VocosRandomOptions = {}): Record<string, TensorSpec> {
  const rnd = seededRandom(seed), nFft = options.nFft ?? 1280, C = 128, D = size.dim;
  const out: Record<string, TensorSpec> = {};
  const put = (name: string, shape: number[], scale: number, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, () => offset + rnd() * scale);
    out[name] = options.fp16 ? f16(shape, v) : f32(shape, v);
  };
  if (options.codebooks === "encodec") {
    for (let q = 0; q < 16; q++) put(`feature_extractor.encodec.quantizer.vq.layers.${q}._codebook.embed`, [1024, C], 1);
  } else put("feature_extractor.codebook_weights", [16 * 1024, C], 1);
  put("backbone.embed.weight", [D, C, 7], 1 / Math.sqrt(C * 7));
  put("backbone.embed.bias", [D], 0.1);
  put("backbone.norm.scale.weight", [4, D], 0.3, 1);
  put("backbone.norm.shift.weight", [4, D], 0.1);
  for (let i = 0; i < size.layers; i++) {
    const p = `backbone.convnext.${i}`;
    put(`${p}.dwconv.weight`, [D, 1, 7], 1 / Math.sqrt(7));
    put(`${p}.dwconv.bias`, [D], 0.1);
    put(`${p}.norm.scale.weight`, [4, D], 0.3, 1);
    put(`${p}.norm.shift.weight`, [4, D], 0.1);
    put(`${p}.pwconv1.weight`, [size.intermediate, D], 1 / Math.sqrt(D));
    put(`${p}.pwconv1.bias`, [size.intermediate], 0.1);
    put(`${p}.pwconv2.weight`, [D, size.intermediate], 1 / Math.sqrt(size.intermediate));
    put(`${p}.pwconv2.bias`, [D], 0.1);
    put(`${p}.gamma`, [D], 0.2, 0.3);
  }
  put("backbone.final_layer_norm.weight", [D], 0.2, 1);
  put("backbone.final_layer_norm.bias", [D], 0.1);
  put("head.out.weight", [nFft + 2, D], 1 / Math.sqrt(D));
  put("head.out.bias", [nFft + 2], 0.1);
  out["head.istft.window"] = f32([nFft], hann(nFft));
  return out;
}
