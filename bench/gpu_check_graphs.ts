// The graphs gpu-check runs: each model converted from seeded random checkpoints, the way real checkpoints
// are (micro sizes for the parity smoke and node placement, which do not depend on size).
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../models/checkpoint/writer.ts";
import { buildEncoder } from "../models/encodec/graph.ts";
import { MICRO_ENCODEC, randomEncodecStateDict } from "../models/encodec/random_weights.ts";
import { readEncodec } from "../models/encodec/weights.ts";
import { convertVocos } from "../models/vocos/convert.ts";
import { MICRO_VOCOS, randomVocosStateDict } from "../models/vocos/random_weights.ts";
import { convertS2a, convertT2s } from "../models/whisperspeech/converters.ts";
import { PRESETS, randomS2aCheckpoint, randomT2sCheckpoint } from "../models/whisperspeech/random_checkpoints.ts";

export function microModels() {
  const t2s = convertT2s(loadCheckpoint(randomT2sCheckpoint(PRESETS.micro, 21)), { sourceSha256: "", label: "t2s" });
  const s2a = convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS.micro, 22)), { sourceSha256: "", label: "s2a" });
  const vocos = convertVocos(loadCheckpoint(torchSave(stateDict(randomVocosStateDict(MICRO_VOCOS, 3)))), { sourceSha256: "", label: "vocos" });
  const encodec = buildEncoder(readEncodec(loadCheckpoint(torchSave(stateDict(randomEncodecStateDict(MICRO_ENCODEC, 4)))).tensors), 2);
  return { t2s, s2a, vocos, encodec };
}

/** Every graph a worker opens, by name, as ONNX bytes. */
export function microGraphs(): Record<string, Uint8Array> {
  const m = microModels();
  const pick = (files: Record<string, Uint8Array>, prefix: string) =>
    Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith(".onnx")).map(([f, b]) => [`${prefix}${f.replace(/\.onnx$/, "")}`, b]));
  return { ...pick(m.t2s.files, ""), ...pick(m.s2a.files, ""), ...pick(m.vocos.files as Record<string, Uint8Array>, ""), encodec_encoder_2q: m.encodec };
}
