// Converted WhisperSpeech + Vocos graphs -> sessions on one runtime -> a WhisperSpeechTts. Runtime-neutral:
// the Deno and browser model stores hand in converted models; this file only opens sessions.
import type { Precision } from "../../core/config/types.ts";
import { ConfigError, ModelError } from "../../core/errors.ts";
import type { ModelDescriptor } from "../convert/descriptor.ts";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER, type WhisperSpeechDims } from "./contract.ts";
import { type GraphPrecision, kvType } from "./graph_common.ts";
import { type CodesToWave, WhisperSpeechTts } from "./tts_engine.ts";
import { demoSemanticTokens } from "../demo/demo_length.ts";

export interface ConvertedGraphs {
  descriptor: ModelDescriptor;
  read(file: string): Promise<Uint8Array>;
}

function dimsOf(model: ConvertedGraphs, kind: "t2s" | "s2a", where: string): WhisperSpeechDims {
  const want = kind === "t2s" ? "whisperspeech-t2s" : "whisperspeech-s2a";
  if (model.descriptor.kind !== want) throw new ModelError(`${where}: is a ${model.descriptor.kind} model, not WhisperSpeech ${kind.toUpperCase()}`);
  return model.descriptor.config as unknown as WhisperSpeechDims;
}

/**
 * Sessions whose K/V outputs stay where the provider computes them: on WebGPU the encoder's cross K/V and the
 * decoder's step K/V are GPU buffers that KvBatch copies into its caches on the GPU.
 */
export function kvSession(rt: OrtRuntime, bytes: Uint8Array, outputs: string[]) {
  if (rt.provider !== "webgpu") return rt.createSession(bytes);
  return rt.createSession(bytes, { preferredOutputLocation: Object.fromEntries(outputs.map((o) => [o, "gpu-buffer" as const])) });
}

const layerNames = (layers: number, key: (i: number) => string, value: (i: number) => string) =>
  Array.from({ length: layers }, (_, i) => [key(i), value(i)]).flat();

/** processing.precision for this runtime: fp16 only on WebGPU with shader-f16 (auto picks it there). */
export function decoderPrecision(requested: Precision | undefined, rt: OrtRuntime): GraphPrecision {
  const f16 = rt.provider === "webgpu" && rt.fp16;
  if (requested === "fp16" && !f16) throw new ConfigError(`fp16 needs WebGPU with shader-f16; this worker runs ${rt.description}: use auto or fp32`, "processing.precision");
  // Unset means fp32 (the config's default): fp16 changes tokens, so it is only ever chosen on purpose.
  return requested === undefined || requested === "fp32" || !f16 ? "fp32" : "fp16";
}

/** Encoder and decoder sessions of a converted T2S or S2A model in `precision` (fp16: both graphs' fp16 twins,
 * whose K/V are float16), with the element type of their K/V. */
export async function whisperSpeechSessions(rt: OrtRuntime, model: ConvertedGraphs, dims: WhisperSpeechDims, precision: GraphPrecision = "fp32") {
  const [enc, dec] = dims.kind === "t2s" ? [T2S_ENCODER, T2S_DECODER] : [S2A_ENCODER, S2A_DECODER];
  const layers = dims.numDecoderLayers;
  const { graphs } = model.descriptor;
  const [encoderFile, decoderFile] = precision === "fp16" ? [graphs.encoder_fp16, graphs.decoder_fp16] : [enc.file, dec.file];
  if (!encoderFile || !decoderFile) throw new ModelError(`${model.descriptor.source}: converted without fp16 graphs (converter ${model.descriptor.converter})`);
  return {
    rt,
    dims,
    encoder: await kvSession(rt, await model.read(encoderFile), layerNames(layers, enc.crossKey, enc.crossValue)),
    decoder: await kvSession(rt, await model.read(decoderFile), layerNames(layers, dec.stepKey, dec.stepValue)),
    kvType: kvType(precision),
  };
}

export async function createWhisperSpeech(
  rt: OrtRuntime,
  models: { t2s: ConvertedGraphs; s2a: ConvertedGraphs; vocoder: CodesToWave },
  labels = { t2s: "models.t2s", s2a: "models.s2a" },
  maxBatch?: number,
  resolveSpeaker?: (name: string) => Float32Array | undefined,
  precision: GraphPrecision = "fp32",
): Promise<WhisperSpeechTts> {
  const t2sDims = dimsOf(models.t2s, "t2s", labels.t2s), s2aDims = dimsOf(models.s2a, "s2a", labels.s2a);
  const t2s = await whisperSpeechSessions(rt, models.t2s, t2sDims, precision);
  const s2a = await whisperSpeechSessions(rt, models.s2a, s2aDims, precision);
  // Demo T2S models (random weights) end rows by the text's length: see models/demo/demo_length.ts.
  const lengthRule = models.t2s.descriptor.random_weights ? demoSemanticTokens : undefined;
  return new WhisperSpeechTts({ t2s, s2a, vocoder: models.vocoder }, maxBatch, resolveSpeaker, lengthRule);
}

/** True when any of the models is a demo model with random weights (logged loudly). */
export const hasRandomWeights = (...models: ConvertedGraphs[]) => models.some((m) => m.descriptor.random_weights);
