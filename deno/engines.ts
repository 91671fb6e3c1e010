// The production engine module loaded by every worker under Deno: WhisperSpeech (T2S -> S2A -> Vocos) and
// EnCodec on the worker's device, from the config's `models` refs (downloaded and converted once, cached).
import type { CreateEngines } from "../core/worker/engines.ts";
import { createWhisperSpeech, decoderPrecision, hasRandomWeights } from "../models/whisperspeech/load.ts";
import { Vocoder } from "../models/vocos/vocoder.ts";
import { parseSpeakerFile } from "../models/whisperspeech/speakers.ts";
import { loadEncodec } from "./codec_loader.ts";
import { DEFAULT_FILES } from "./engine_files.ts";
import { loadConverted, type StoreOptions } from "./model_store.ts";
import { loadOrt } from "./ort_runtime.ts";

/** processing.speaker may name a file with a 192-d vector (JSON or raw float32); read once per worker. */
const speakerFiles = new Map<string, Float32Array>();
function speakerFromFile(path: string): Float32Array | undefined {
  if (!speakerFiles.has(path)) {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(path);
    } catch {
      return undefined; // not a file: the unknown-preset message lists the presets
    }
    speakerFiles.set(path, parseSpeakerFile(bytes, `processing.speaker (${path})`));
  }
  return speakerFiles.get(path);
}

export const createEngines: CreateEngines = async (spec, log = () => {}) => {
  const rt = await loadOrt(spec.device, log);
  const precision = decoderPrecision(spec.precision, rt);
  const store: StoreOptions = { cacheDir: spec.models.cacheDir, log };
  const convert = { bandwidth: spec.bandwidth };
  const t2sRef = spec.models.t2s!, s2aRef = spec.models.s2a!, vocosRef = spec.models.vocos!;
  const t2s = await loadConverted(t2sRef, DEFAULT_FILES.t2s, convert, store);
  const s2a = await loadConverted(s2aRef, DEFAULT_FILES.s2a, convert, store);
  const vocos = await loadConverted(vocosRef, DEFAULT_FILES.vocos, convert, store);
  const vocoder = await Vocoder.create(rt, vocos, `models.vocos (${vocosRef})`, precision);
  const tts = await createWhisperSpeech(rt, { t2s, s2a, vocoder }, { t2s: `models.t2s (${t2sRef})`, s2a: `models.s2a (${s2aRef})` }, undefined, speakerFromFile, precision);
  const { codec, model: codecModel } = await loadEncodec(spec.models.codec!, spec.device, spec.bandwidth, { ...store, decoder: false });
  const random = hasRandomWeights(t2s, s2a, vocos, codecModel);
  if (random) log("DEMO MODELS WITH RANDOM WEIGHTS: the output is noise-shaped tokens, not speech (set models.* to real checkpoints)");
  return { tts, codec, description: `${rt.description}, ${precision} T2S/S2A/Vocos${random ? ", demo models (random weights)" : ""}` };
};
