// Converted WhisperSpeech + Vocos graphs -> sessions on one runtime -> a WhisperSpeechTts. Runtime-neutral:
// the Deno and browser model stores hand in converted models; this file only opens sessions.
import { ModelError } from "../../core/errors.ts";
import type { ModelDescriptor } from "../convert/descriptor.ts";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER, type WhisperSpeechDims } from "./contract.ts";
import { type CodesToWave, WhisperSpeechTts } from "./tts_engine.ts";

export interface ConvertedGraphs {
  descriptor: ModelDescriptor;
  read(file: string): Promise<Uint8Array>;
}

function dimsOf(model: ConvertedGraphs, kind: "t2s" | "s2a", where: string): WhisperSpeechDims {
  const want = kind === "t2s" ? "whisperspeech-t2s" : "whisperspeech-s2a";
  if (model.descriptor.kind !== want) throw new ModelError(`${where}: is a ${model.descriptor.kind} model, not WhisperSpeech ${kind.toUpperCase()}`);
  return model.descriptor.config as unknown as WhisperSpeechDims;
}

/** Decoder sessions keep the KV cache where the provider computes it (GPU buffers on WebGPU). */
function decoderSession(rt: OrtRuntime, bytes: Uint8Array, layers: number) {
  if (rt.provider !== "webgpu") return rt.createSession(bytes);
  const where: Record<string, "gpu-buffer"> = {};
  for (let i = 0; i < layers; i++) where[T2S_DECODER.presentKey(i)] = where[T2S_DECODER.presentValue(i)] = "gpu-buffer";
  return rt.createSession(bytes, { preferredOutputLocation: where });
}

export async function createWhisperSpeech(
  rt: OrtRuntime,
  models: { t2s: ConvertedGraphs; s2a: ConvertedGraphs; vocoder: CodesToWave },
  labels = { t2s: "models.t2s", s2a: "models.s2a" },
  maxBatch?: number,
  resolveSpeaker?: (name: string) => Float32Array | undefined,
): Promise<WhisperSpeechTts> {
  const t2sDims = dimsOf(models.t2s, "t2s", labels.t2s), s2aDims = dimsOf(models.s2a, "s2a", labels.s2a);
  const t2s = {
    rt,
    dims: t2sDims,
    encoder: await rt.createSession(await models.t2s.read(T2S_ENCODER.file)),
    decoder: await decoderSession(rt, await models.t2s.read(T2S_DECODER.file), t2sDims.numDecoderLayers),
  };
  const s2a = {
    rt,
    dims: s2aDims,
    encoder: await rt.createSession(await models.s2a.read(S2A_ENCODER.file)),
    decoder: await decoderSession(rt, await models.s2a.read(S2A_DECODER.file), s2aDims.numDecoderLayers),
  };
  return new WhisperSpeechTts({ t2s, s2a, vocoder: models.vocoder }, maxBatch, resolveSpeaker);
}

/** True when any of the models is a demo model with random weights (logged loudly). */
export const hasRandomWeights = (...models: ConvertedGraphs[]) => models.some((m) => m.descriptor.random_weights);
