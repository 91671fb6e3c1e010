// The browser's engine module (loaded inside each pipeline worker): WhisperSpeech + Vocos + EnCodec from the
// model refs, through web/model_store.ts (download/convert once, Cache Storage) on WebGPU or wasm.
import { ModelError } from "../core/errors.ts";
import type { CreateEngines } from "../core/worker/engines.ts";
import { EncodecCodec } from "../models/encodec/codec.ts";
import { decoderFile, encoderFile } from "../models/encodec/convert.ts";
import { codebooksForBandwidth } from "../models/encodec/weights.ts";
import { Vocoder } from "../models/vocos/vocoder.ts";
import { createWhisperSpeech, hasRandomWeights } from "../models/whisperspeech/load.ts";
import { loadModel, MODEL_FILES, type WebModel } from "./model_store.ts";
import { loadOrt } from "./ort_runtime.ts";

/** Opens the EnCodec graphs of a converted model for `bandwidth`. */
export async function openCodec(rt: Awaited<ReturnType<typeof loadOrt>>, model: WebModel, bandwidth: number, decoder: boolean) {
  if (model.descriptor.kind !== "encodec") throw new ModelError(`models.codec: is a ${model.descriptor.kind} model, not EnCodec`);
  const cfg = model.descriptor.config as { bins: number; sample_rate: number; hop: number };
  const nq = codebooksForBandwidth(bandwidth, cfg.bins, cfg.sample_rate / cfg.hop);
  return EncodecCodec.create(rt, {
    encoder: await model.read(encoderFile(nq)),
    decoder: decoder ? await model.read(decoderFile(nq)) : undefined,
    codebooks: nq,
  });
}

export const createEngines: CreateEngines = async (spec, log = () => {}) => {
  const rt = await loadOrt(spec.device);
  const options = { bandwidth: spec.bandwidth, log, hfEndpoint: (spec.extra?.hfEndpoint as string | undefined) };
  const t2s = await loadModel(spec.models.t2s!, MODEL_FILES.t2s, options);
  const s2a = await loadModel(spec.models.s2a!, MODEL_FILES.s2a, options);
  const vocos = await loadModel(spec.models.vocos!, MODEL_FILES.vocos, options);
  const codecModel = await loadModel(spec.models.codec!, MODEL_FILES.codec, options);
  const vocoder = await Vocoder.create(rt, vocos);
  const tts = await createWhisperSpeech(rt, { t2s, s2a, vocoder });
  const codec = await openCodec(rt, codecModel, spec.bandwidth, false);
  const random = hasRandomWeights(t2s, s2a, vocos, codecModel);
  return { tts, codec, description: `${rt.description}${random ? ", demo models (random weights)" : ""}` };
};
