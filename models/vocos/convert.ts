// Vocos checkpoint (+ optional config.yaml) -> vocos.onnx, its fp16 twin vocos_fp16.onnx, and model.json.
import type { Checkpoint } from "../checkpoint/types.ts";
import { FORMAT_VERSION, type ModelDescriptor } from "../convert/descriptor.ts";
import { VOCOS } from "../whisperspeech/contract.ts";
import { buildVocos } from "./graph.ts";
import { readVocos } from "./weights.ts";

// 2: codebook offsets in float32/int32 (every node on WebGPU); 3: also vocos_fp16.onnx (processing.precision fp16)
export const VOCOS_CONVERTER = "vocos@3";

export interface VocosConvertOptions {
  sourceSha256: string;
  label: string;
  randomWeights?: boolean;
  /** The config.yaml shipped next to pytorch_model.bin; without it the hop is taken as n_fft / 4. */
  configYaml?: string;
}

export function convertVocos(ck: Checkpoint, o: VocosConvertOptions) {
  const w = readVocos(ck, o.label, o.configYaml);
  const descriptor: ModelDescriptor = {
    kind: "vocos",
    format_version: FORMAT_VERSION,
    converter: VOCOS_CONVERTER,
    source_sha256: o.sourceSha256,
    source: o.label,
    graphs: { vocos: VOCOS.file, vocos_fp16: VOCOS.fp16File },
    config: {
      sample_rate: 24000,
      hop: w.hop,
      hop_source: w.hopSource,
      n_fft: w.nFft,
      dim: w.dim,
      intermediate: w.intermediate,
      layers: w.blocks.length,
      input_channels: w.embed.weight.shape[1],
      codebooks: w.codebooks.shape[0] / w.bins,
      /** AdaLayerNorm rows = valid bandwidth_id values (1 for a plain LayerNorm model). */
      bandwidths: w.norm.scale.shape[0],
    },
    random_weights: o.randomWeights,
  };
  const files: Record<string, Uint8Array> = { [VOCOS.file]: buildVocos(w), [VOCOS.fp16File]: buildVocos(w, "fp16") };
  return { files, descriptor };
}
