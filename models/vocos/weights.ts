// Vocos (charactr/vocos-encodec-24khz, gemelo-ai/vocos) state dict -> what the graph needs: the EnCodec
// codebook table, the ConvNeXt backbone (AdaLayerNorm by bandwidth id) and the ISTFT head. Sizes are read
// from the tensors; n_fft and hop from config.yaml when given (the weights do not hold the hop).
import { parse } from "yaml";
import { ModelError } from "../../core/errors.ts";
import { toFloat32 } from "../checkpoint/load_checkpoint.ts";
import type { Checkpoint } from "../checkpoint/types.ts";

export interface Tensor32 {
  data: Float32Array;
  shape: number[];
}

type Norm = { scale: Tensor32; shift: Tensor32; adaptive: boolean };
type Affine = { weight: Tensor32; bias: Tensor32 };

export interface VocosWeights {
  codebooks: Tensor32; // [n_q * bins, input_channels]
  bins: number;
  embed: Affine; // Conv1d k7 p3
  /** AdaLayerNorm tables [n_bandwidths, dim] (or plain LayerNorm weight/bias as a 1-row table). */
  norm: Norm;
  blocks: { dw: Affine; norm: Norm; pw1: Affine; pw2: Affine; gamma?: Tensor32 }[];
  finalNorm: Affine;
  head: Affine;
  window: Float32Array;
  dim: number;
  intermediate: number;
  nFft: number;
  hop: number;
  /** Where the hop came from: the weights cannot tell it, so without config.yaml it is n_fft / 4. */
  hopSource: "config.yaml" | "default";
}

const BINS = 1024; // EnCodec codebook size
const ENCODEC_BOOK = (i: number) => `feature_extractor.encodec.quantizer.vq.layers.${i}._codebook.embed`;

/** The ConvNeXt backbone and the Linear head name a Vocos file; EnCodec or WhisperSpeech files have neither. */
export const isVocos = (ck: Checkpoint) => ck.tensors.has("backbone.embed.weight") && ck.tensors.has("head.out.weight");

export function readVocos(ck: Checkpoint, label: string, configYaml?: string): VocosWeights {
  const has = (name: string) => ck.tensors.has(name);
  const get = (name: string, shape?: number[]): Tensor32 => {
    const t = ck.tensors.get(name);
    if (!t) throw new ModelError(`${label}: missing tensor ${name} (not a vocos-encodec checkpoint?)`);
    if (shape && (t.shape.length !== shape.length || shape.some((d, i) => d >= 0 && d !== t.shape[i]))) {
      const want = shape.map((d) => (d < 0 ? "?" : d)).join(", ");
      throw new ModelError(`${label}: ${name} has shape [${t.shape.join(", ")}], expected [${want}] for vocos-encodec`);
    }
    return { data: toFloat32(t, `${label}: ${name}`), shape: t.shape };
  };
  if ([...ck.tensors.keys()].some((k) => k.startsWith("head.imdct") || k.startsWith("backbone.resnet"))) {
    throw new ModelError(`${label}: IMDCT heads and ResNet backbones are not supported; only ConvNeXt + ISTFT (vocos-encodec-24khz)`);
  }
  const cfg = configYaml ? readConfig(configYaml, label) : {};

  const embedW = get("backbone.embed.weight", [-1, -1, 7]);
  const [D, C] = embedW.shape;
  const embed = { weight: embedW, bias: get("backbone.embed.bias", [D]) };
  const codebooks = readCodebooks(ck, label, C, get, cfg.numQ);
  const norm = (prefix: string): Norm =>
    has(`${prefix}.scale.weight`)
      ? { scale: get(`${prefix}.scale.weight`, [-1, D]), shift: get(`${prefix}.shift.weight`, [-1, D]), adaptive: true }
      : { scale: asRow(get(`${prefix}.weight`, [D])), shift: asRow(get(`${prefix}.bias`, [D])), adaptive: false };
  const blocks: VocosWeights["blocks"] = [];
  for (let i = 0; has(`backbone.convnext.${i}.dwconv.weight`); i++) {
    const p = `backbone.convnext.${i}`;
    const pw1 = get(`${p}.pwconv1.weight`, [-1, D]), I = pw1.shape[0];
    blocks.push({
      dw: { weight: get(`${p}.dwconv.weight`, [D, 1, 7]), bias: get(`${p}.dwconv.bias`, [D]) },
      norm: norm(`${p}.norm`),
      pw1: { weight: pw1, bias: get(`${p}.pwconv1.bias`, [I]) },
      pw2: { weight: get(`${p}.pwconv2.weight`, [D, I]), bias: get(`${p}.pwconv2.bias`, [D]) },
      gamma: has(`${p}.gamma`) ? get(`${p}.gamma`, [D]) : undefined,
    });
  }
  if (!blocks.length) throw new ModelError(`${label}: no ConvNeXt blocks (backbone.convnext.0.dwconv.weight); not a ConvNeXt Vocos`);
  const backboneNorm = norm("backbone.norm");
  const rows = backboneNorm.scale.shape[0];
  blocks.forEach((b, i) => {
    if (b.norm.scale.shape[0] !== rows || b.norm.adaptive !== backboneNorm.adaptive) {
      throw new ModelError(`${label}: backbone.convnext.${i}.norm has ${b.norm.scale.shape[0]} rows, backbone.norm ${rows}`);
    }
  });
  const head = { weight: get("head.out.weight", [-1, D]), bias: get("head.out.bias", [-1]) };
  const nFft = head.weight.shape[0] - 2;
  if (nFft < 4 || nFft % 2 || head.bias.shape[0] !== nFft + 2) {
    throw new ModelError(`${label}: head.out has ${head.weight.shape[0]} outputs; an ISTFT head needs n_fft + 2 with n_fft even`);
  }
  if (cfg.nFft !== undefined && cfg.nFft !== nFft) {
    throw new ModelError(`${label}: config.yaml n_fft ${cfg.nFft} does not match head.out.weight's ${nFft + 2} outputs`);
  }
  for (const [key, got] of [["dim", D], ["input_channels", C], ["num_layers", blocks.length], ["intermediate_dim", blocks[0].pw1.weight.shape[0]]] as const) {
    const want = cfg.backbone?.[key];
    if (want !== undefined && want !== got) throw new ModelError(`${label}: config.yaml backbone ${key} ${want} does not match the weights (${got})`);
  }
  const hop = cfg.hop ?? nFft / 4;
  if (!Number.isInteger(hop) || hop < 1 || nFft % hop || (nFft - hop) % 2) {
    throw new ModelError(`${label}: hop ${hop} must divide n_fft ${nFft} and leave an even overlap (padding "same")`);
  }
  return {
    codebooks,
    bins: BINS,
    embed,
    norm: backboneNorm,
    blocks,
    finalNorm: { weight: get("backbone.final_layer_norm.weight", [D]), bias: get("backbone.final_layer_norm.bias", [D]) },
    head,
    window: has("head.istft.window") ? get("head.istft.window", [nFft]).data : hann(nFft),
    dim: D,
    intermediate: blocks[0].pw1.weight.shape[0],
    nFft,
    hop,
    hopSource: cfg.hop !== undefined ? "config.yaml" : "default",
  };
}

/** The stacked table vocos keeps as a Parameter, or else the EnCodec quantizer's own books (same rows). */
function readCodebooks(ck: Checkpoint, label: string, C: number, get: (n: string, s?: number[]) => Tensor32, numQ = 16): Tensor32 {
  if (ck.tensors.has("feature_extractor.codebook_weights")) {
    const t = get("feature_extractor.codebook_weights", [-1, C]);
    if (t.shape[0] % BINS || t.shape[0] === 0) {
      throw new ModelError(`${label}: feature_extractor.codebook_weights has ${t.shape[0]} rows, not a multiple of ${BINS}`);
    }
    return t;
  }
  if (!ck.tensors.has(ENCODEC_BOOK(0))) {
    throw new ModelError(`${label}: no EnCodec codebooks (feature_extractor.codebook_weights); only vocos-encodec is supported, not mel Vocos`);
  }
  const books: Tensor32[] = [];
  for (let i = 0; i < numQ && ck.tensors.has(ENCODEC_BOOK(i)); i++) books.push(get(ENCODEC_BOOK(i), [BINS, C]));
  const data = new Float32Array(books.length * BINS * C);
  books.forEach((b, i) => data.set(b.data, i * BINS * C));
  return { data, shape: [books.length * BINS, C] };
}

function asRow(t: Tensor32): Tensor32 {
  return { data: t.data, shape: [1, t.shape[0]] };
}

/** torch.hann_window(n) (periodic). */
export function hann(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

interface VocosConfig {
  nFft?: number;
  hop?: number;
  numQ?: number;
  backbone?: Record<string, number | undefined>;
}

/** config.yaml as Vocos.from_hparams reads it (top-level feature_extractor/backbone/head), or a training config. */
function readConfig(text: string, label: string): VocosConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ModelError(`${label}: config.yaml is not valid YAML (${(e as Error).message})`);
  }
  // deno-lint-ignore no-explicit-any
  const root = (doc as any)?.model?.init_args ?? doc;
  // deno-lint-ignore no-explicit-any
  const args = (part: string): Record<string, any> | undefined => root?.[part]?.init_args;
  const head = args("head"), fe = args("feature_extractor"), bb = args("backbone");
  if (head?.padding !== undefined && head.padding !== "same") throw new ModelError(`${label}: ISTFT padding "${head.padding}" is not supported (only "same")`);
  const num = (v: unknown, what: string) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ModelError(`${label}: config.yaml ${what} must be a positive integer, not ${JSON.stringify(v)}`);
    return v;
  };
  const bandwidths: unknown = fe?.bandwidths;
  // EnCodec 24 kHz: 75 frames/s x 10 bits per codebook, so 12 kbps needs 16 books.
  const numQ = Array.isArray(bandwidths) && bandwidths.length ? Math.floor((Math.max(...bandwidths.map(Number)) * 1000) / 750) : undefined;
  return {
    nFft: num(head?.n_fft, "head n_fft"),
    hop: num(head?.hop_length, "head hop_length"),
    numQ: numQ && numQ > 0 ? numQ : undefined,
    backbone: bb && {
      dim: num(bb.dim, "backbone dim"),
      input_channels: num(bb.input_channels, "backbone input_channels"),
      num_layers: num(bb.num_layers, "backbone num_layers"),
      intermediate_dim: num(bb.intermediate_dim, "backbone intermediate_dim"),
    },
  };
}
