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

export interface VocosWeights {
  codebooks: Tensor32; // [n_q * bins, input_channels]
  bins: number;
  embed: { weight: Tensor32; bias: Tensor32 }; // Conv1d k7 p3
  /** AdaLayerNorm tables [n_bandwidths, dim] (or plain LayerNorm weight/bias as a 1-row table). */
  norm: { scale: Tensor32; shift: Tensor32; adaptive: boolean };
  blocks: {
    dw: { weight: Tensor32; bias: Tensor32 };
    norm: { scale: Tensor32; shift: Tensor32; adaptive: boolean };
    pw1: { weight: Tensor32; bias: Tensor32 };
    pw2: { weight: Tensor32; bias: Tensor32 };
    gamma?: Tensor32;
  }[];
  finalNorm: { weight: Tensor32; bias: Tensor32 };
  head: { weight: Tensor32; bias: Tensor32 };
  window: Float32Array;
  dim: number;
  nFft: number;
  hop: number;
}

export const isVocos = (ck: Checkpoint) => ck.tensors.has("backbone.embed.weight") && ck.tensors.has("head.out.weight");

export function readVocos(ck: Checkpoint, label: string, configYaml?: string): VocosWeights {
  const get = (name: string): Tensor32 => {
    const t = ck.tensors.get(name);
    if (!t) throw new ModelError(`${label}: missing tensor ${name} (not a Vocos checkpoint?)`);
    return { data: toFloat32(t, `${label}: ${name}`), shape: t.shape };
  };
  const norm = (prefix: string) =>
    ck.tensors.has(`${prefix}.scale.weight`)
      ? { scale: get(`${prefix}.scale.weight`), shift: get(`${prefix}.shift.weight`), adaptive: true }
      : { scale: asRow(get(`${prefix}.weight`)), shift: asRow(get(`${prefix}.bias`)), adaptive: false };
  if (!ck.tensors.has("feature_extractor.codebook_weights")) {
    throw new ModelError(`${label}: Vocos without EnCodec features (feature_extractor.codebook_weights) is not supported; use vocos-encodec-24khz`);
  }
  const blocks = [];
  for (let i = 0; ck.tensors.has(`backbone.convnext.${i}.dwconv.weight`); i++) {
    const p = `backbone.convnext.${i}`;
    blocks.push({
      dw: { weight: get(`${p}.dwconv.weight`), bias: get(`${p}.dwconv.bias`) },
      norm: norm(`${p}.norm`),
      pw1: { weight: get(`${p}.pwconv1.weight`), bias: get(`${p}.pwconv1.bias`) },
      pw2: { weight: get(`${p}.pwconv2.weight`), bias: get(`${p}.pwconv2.bias`) },
      gamma: ck.tensors.has(`${p}.gamma`) ? get(`${p}.gamma`) : undefined,
    });
  }
  if (!blocks.length) throw new ModelError(`${label}: no ConvNeXt blocks (backbone.convnext.*); only the ConvNeXt Vocos backbone is supported`);
  const head = { weight: get("head.out.weight"), bias: get("head.out.bias") };
  const nFftFromHead = head.weight.shape[0] - 2;
  const cfg = configYaml ? headConfig(configYaml, label) : {};
  const nFft = cfg.nFft ?? nFftFromHead;
  if (nFft !== nFftFromHead) throw new ModelError(`${label}: config n_fft ${nFft} does not match the head's ${nFftFromHead + 2} outputs`);
  const window = ck.tensors.has("head.istft.window") ? get("head.istft.window").data : hann(nFft);
  const embed = { weight: get("backbone.embed.weight"), bias: get("backbone.embed.bias") };
  const codebooks = get("feature_extractor.codebook_weights");
  if (codebooks.shape[1] !== embed.weight.shape[1]) throw new ModelError(`${label}: codebook width ${codebooks.shape[1]} does not match the backbone input ${embed.weight.shape[1]}`);
  return {
    codebooks,
    bins: 1024,
    embed,
    norm: norm("backbone.norm"),
    blocks,
    finalNorm: { weight: get("backbone.final_layer_norm.weight"), bias: get("backbone.final_layer_norm.bias") },
    head,
    window,
    dim: embed.weight.shape[0],
    nFft,
    hop: cfg.hop ?? nFft / 4,
  };
}

function asRow(t: Tensor32): Tensor32 {
  return { data: t.data, shape: [1, t.shape[0]] };
}

/** torch.hann_window(n) (periodic). */
export function hann(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

function headConfig(text: string, label: string): { nFft?: number; hop?: number } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ModelError(`${label}: config.yaml is not valid YAML (${(e as Error).message})`);
  }
  // deno-lint-ignore no-explicit-any
  const head = (doc as any)?.head?.init_args ?? (doc as any)?.model?.init_args?.head?.init_args;
  if (head?.padding && head.padding !== "same") throw new ModelError(`${label}: ISTFT padding "${head.padding}" is not supported (only "same")`);
  return { nFft: head?.n_fft, hop: head?.hop_length };
}
