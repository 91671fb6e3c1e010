// EnCodec 24 kHz weights from either checkpoint layout, normalized: weight norm folded, layers in order.
// Original (`encodec_24khz-d7cc33bc.th`): encoder.model.N.conv.conv.weight_g/_v, quantizer.vq.layers.K._codebook.embed
// Hugging Face (`facebook/encodec_24khz`): encoder.layers.N.conv.weight_g/_v (or parametrizations.weight.original0/1),
// quantizer.layers.K.codebook.embed.
import { ModelError } from "../../core/errors.ts";
import { toFloat32 } from "../checkpoint/load_checkpoint.ts";
import type { StateDict } from "../checkpoint/types.ts";

export interface Conv {
  /** [out, in, k] for Conv1d; [in, out, k] for ConvTranspose1d. */
  weight: Float32Array;
  shape: [number, number, number];
  bias: Float32Array;
  stride: number;
  dilation: number;
}

export interface ResBlock {
  conv1: Conv;
  conv2: Conv;
  shortcut?: Conv;
}

export interface Lstm {
  hidden: number;
  /** Per layer: weight_ih [4H, in], weight_hh [4H, H], bias_ih [4H], bias_hh [4H]; gate order i, f, g, o. */
  layers: { wih: Float32Array; whh: Float32Array; bih: Float32Array; bhh: Float32Array; input: number }[];
}

export type Layer =
  | { kind: "conv"; conv: Conv }
  | { kind: "convtr"; conv: Conv }
  | { kind: "res"; block: ResBlock }
  | { kind: "lstm"; lstm: Lstm }
  | { kind: "elu" };

export interface EncodecWeights {
  encoder: Layer[];
  decoder: Layer[];
  /** Codebooks [bins, dim], in quantizer order. */
  codebooks: Float32Array[];
  bins: number;
  dim: number;
  /** Hop length in samples (product of the strides): 320 for the 24 kHz model. */
  hop: number;
  sampleRate: number;
  layout: "original" | "huggingface";
}

/** Encoder: conv, 4 x (res, elu, strided conv), lstm, elu, conv. Decoder mirrors it with transposed convs. */
const ENCODER_PLAN = ["conv", "res", "elu", "conv", "res", "elu", "conv", "res", "elu", "conv", "res", "elu", "conv", "lstm", "elu", "conv"] as const;
const DECODER_PLAN = ["conv", "lstm", "elu", "convtr", "res", "elu", "convtr", "res", "elu", "convtr", "res", "elu", "convtr", "res", "elu", "conv"] as const;

export const BANDWIDTHS = [1.5, 3, 6, 12, 24];

/** Codebooks used at a bandwidth (kbps): floor(bandwidth / (log2(bins) * frame_rate / 1000)), at least 1. */
export function codebooksForBandwidth(bandwidth: number, bins: number, frameRate: number): number {
  const perQ = (Math.log2(bins) * frameRate) / 1000;
  return Math.max(1, Math.floor((bandwidth + 1e-9) / perQ));
}

export function detectLayout(t: StateDict): "original" | "huggingface" | undefined {
  if ([...t.keys()].some((k) => k.startsWith("encoder.model."))) return "original";
  if ([...t.keys()].some((k) => k.startsWith("encoder.layers."))) return "huggingface";
  return undefined;
}

export function readEncodec(t: StateDict, label = "checkpoint"): EncodecWeights {
  const layout = detectLayout(t);
  if (!layout || !t.has(layout === "original" ? "quantizer.vq.layers.0._codebook.embed" : "quantizer.layers.0.codebook.embed")) {
    throw new ModelError(`${label}: not an EnCodec checkpoint (no encoder.model.* / encoder.layers.* with a quantizer)`);
  }
  const part = (side: "encoder" | "decoder") => layout === "original" ? `${side}.model` : `${side}.layers`;
  const tensor = (name: string) => {
    const x = t.get(name);
    if (!x) throw new ModelError(`${label}: missing parameter ${name} (wrong architecture?)`);
    return x;
  };
  const convAt = (prefix: string, transposed: boolean): Conv => {
    // original: <p>.conv.conv.* / <p>.convtr.convtr.*; HF: <p>.conv.*
    const inner = layout === "original" ? (transposed ? `${prefix}.convtr.convtr` : `${prefix}.conv.conv`) : `${prefix}.conv`;
    const g = t.get(`${inner}.weight_g`) ?? t.get(`${inner}.parametrizations.weight.original0`);
    const v = t.get(`${inner}.weight_v`) ?? t.get(`${inner}.parametrizations.weight.original1`);
    let weight: Float32Array, shape: number[];
    if (g && v) {
      shape = v.shape;
      weight = foldWeightNorm(toFloat32(g, `${inner}.weight_g`), toFloat32(v, `${inner}.weight_v`), v.shape);
    } else {
      const w = tensor(`${inner}.weight`);
      shape = w.shape;
      weight = toFloat32(w).slice();
    }
    if (shape.length !== 3) throw new ModelError(`${label}: ${inner} is not a 1-D convolution (shape [${shape}])`);
    const bias = toFloat32(tensor(`${inner}.bias`)).slice();
    return { weight, shape: shape as [number, number, number], bias, stride: 1, dilation: 1 };
  };
  const resAt = (prefix: string): ResBlock => {
    const conv1 = convAt(`${prefix}.block.1`, false);
    const conv2 = convAt(`${prefix}.block.3`, false);
    const hasShortcut = [...t.keys()].some((k) => k.startsWith(`${prefix}.shortcut.`));
    return { conv1, conv2, shortcut: hasShortcut ? convAt(`${prefix}.shortcut`, false) : undefined };
  };
  const lstmAt = (prefix: string): Lstm => {
    const layers: Lstm["layers"] = [];
    for (let l = 0; t.has(`${prefix}.lstm.weight_ih_l${l}`); l++) {
      const wih = tensor(`${prefix}.lstm.weight_ih_l${l}`);
      layers.push({
        wih: toFloat32(wih).slice(),
        whh: toFloat32(tensor(`${prefix}.lstm.weight_hh_l${l}`)).slice(),
        bih: toFloat32(tensor(`${prefix}.lstm.bias_ih_l${l}`)).slice(),
        bhh: toFloat32(tensor(`${prefix}.lstm.bias_hh_l${l}`)).slice(),
        input: wih.shape[1],
      });
    }
    if (!layers.length) throw new ModelError(`${label}: missing LSTM at ${prefix}`);
    return { hidden: layers[0].wih.length / 4 / layers[0].input, layers };
  };
  const build = (side: "encoder" | "decoder", plan: readonly string[]): Layer[] =>
    plan.map((kind, i): Layer => {
      const p = `${part(side)}.${i}`;
      if (kind === "elu") return { kind: "elu" };
      if (kind === "res") return { kind: "res", block: resAt(p) };
      if (kind === "lstm") return { kind: "lstm", lstm: lstmAt(p) };
      const conv = convAt(p, kind === "convtr");
      const k = conv.shape[2];
      // Strided convs have kernel 2 x stride (ratios 2,4,5,8); the 7-tap input/output convs have stride 1.
      const strided = kind === "convtr" || (i > 0 && i < plan.length - 1);
      conv.stride = strided ? k / 2 : 1;
      if (!Number.isInteger(conv.stride)) throw new ModelError(`${label}: ${p} has kernel ${k}, not 2 x stride (wrong architecture?)`);
      return { kind: kind as "conv" | "convtr", conv };
    });
  const encoder = build("encoder", ENCODER_PLAN);
  const decoder = build("decoder", DECODER_PLAN);
  const hop = encoder.reduce((h, l) => (l.kind === "conv" ? h * l.conv.stride : h), 1);
  if (hop !== 320) throw new ModelError(`${label}: EnCodec hop is ${hop} samples, expected 320 (24 kHz model); other EnCodec variants are not supported`);
  if (encoder[0].kind !== "conv" || encoder[0].conv.shape[1] !== 1) throw new ModelError(`${label}: expected a mono EnCodec`);

  const codebooks: Float32Array[] = [];
  for (let q = 0;; q++) {
    const name = layout === "original" ? `quantizer.vq.layers.${q}._codebook.embed` : `quantizer.layers.${q}.codebook.embed`;
    const e = t.get(name);
    if (!e) break;
    codebooks.push(toFloat32(e).slice());
  }
  const first = t.get(layout === "original" ? "quantizer.vq.layers.0._codebook.embed" : "quantizer.layers.0.codebook.embed")!;
  const [bins, dim] = first.shape;
  const last = encoder[encoder.length - 1];
  if (last.kind !== "conv" || last.conv.shape[0] !== dim) throw new ModelError(`${label}: encoder output (${last.kind === "conv" ? last.conv.shape[0] : "?"}) does not match codebook width ${dim}`);
  return { encoder, decoder, codebooks, bins, dim, hop, sampleRate: 24000, layout };
}

/** W = g * v / ||v||, the norm taken over every dimension but the first (torch weight_norm, dim=0). */
export function foldWeightNorm(g: Float32Array, v: Float32Array, shape: number[]): Float32Array {
  const rows = shape[0];
  const per = v.length / rows;
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < per; i++) ss += v[r * per + i] * v[r * per + i];
    const scale = g[r] / Math.sqrt(ss);
    for (let i = 0; i < per; i++) out[r * per + i] = v[r * per + i] * scale;
  }
  return out;
}
