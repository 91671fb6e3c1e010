// Vocos checkpoint (+ optional config.yaml) -> vocos.onnx + model.json.
import type { Checkpoint } from "../checkpoint/types.ts";
import { FORMAT_VERSION, type ModelDescriptor } from "../convert/descriptor.ts";
import { VOCOS } from "../whisperspeech/contract.ts";
import { buildVocos } from "./graph.ts";
import { readVocos } from "./weights.ts";

export const VOCOS_CONVERTER = "vocos@1";

export function convertVocos(ck: Checkpoint, o: { sourceSha256: string; label: string; randomWeights?: boolean; configYaml?: string }) {
  const w = readVocos(ck, o.label, o.configYaml);
  const descriptor: ModelDescriptor = {
    kind: "vocos",
    format_version: FORMAT_VERSION,
    converter: VOCOS_CONVERTER,
    source_sha256: o.sourceSha256,
    source: o.label,
    graphs: { vocos: VOCOS.file },
    config: { sample_rate: 24000, hop: w.hop, n_fft: w.nFft, dim: w.dim, layers: w.blocks.length, bandwidths: w.norm.scale.shape[0] },
    random_weights: o.randomWeights,
  };
  return { files: { [VOCOS.file]: buildVocos(w) }, descriptor };
}
