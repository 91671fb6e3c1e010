// Which converter handles a checkpoint. New model kinds register here.
import { ModelError } from "../../core/errors.ts";
import type { Checkpoint } from "../checkpoint/types.ts";
import type { ModelDescriptor } from "./descriptor.ts";
import { convertEncodec, ENCODEC_CONVERTER, isEncodec } from "../encodec/convert.ts";
import { convertVocos, VOCOS_CONVERTER } from "../vocos/convert.ts";
import { isVocos } from "../vocos/weights.ts";
import { convertS2a, convertT2s, isS2a, isT2s, S2A_CONVERTER, T2S_CONVERTER } from "../whisperspeech/converters.ts";

export interface ConvertOptions {
  /** EnCodec bandwidth in kbps (decides the codebooks baked into the encoder). */
  bandwidth: number;
  sourceSha256: string;
  label: string;
  randomWeights?: boolean;
  /** A companion config.yaml found next to the checkpoint (Vocos keeps its hop there). */
  configYaml?: string;
}

export interface Converter {
  id: string;
  kind: ModelDescriptor["kind"];
  detect(ck: Checkpoint): boolean;
  convert(ck: Checkpoint, options: ConvertOptions): { files: Record<string, Uint8Array>; descriptor: ModelDescriptor };
}

// Order matters: a Vocos file also holds a whole EnCodec (feature_extractor.encodec.*).
export const CONVERTERS: Converter[] = [
  { id: VOCOS_CONVERTER, kind: "vocos", detect: isVocos, convert: convertVocos },
  { id: ENCODEC_CONVERTER, kind: "encodec", detect: isEncodec, convert: convertEncodec },
  { id: T2S_CONVERTER, kind: "whisperspeech-t2s", detect: isT2s, convert: convertT2s },
  { id: S2A_CONVERTER, kind: "whisperspeech-s2a", detect: isS2a, convert: convertS2a },
];

export function converterFor(ck: Checkpoint, label: string): Converter {
  const c = CONVERTERS.find((c) => c.detect(ck));
  if (!c) {
    const sample = [...ck.tensors.keys()].slice(0, 3).join(", ") || "no tensors";
    throw new ModelError(`${label}: not a model this tool can convert (supported: ${CONVERTERS.map((c) => c.kind).join(", ")}; found ${sample}…)`);
  }
  return c;
}
