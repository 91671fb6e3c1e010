// Which converter handles a checkpoint. New model kinds register here.
import { ModelError } from "../../core/errors.ts";
import type { Checkpoint } from "../checkpoint/types.ts";
import type { ModelDescriptor } from "./descriptor.ts";
import { convertEncodec, ENCODEC_CONVERTER, isEncodec } from "../encodec/convert.ts";

export interface ConvertOptions {
  /** EnCodec bandwidth in kbps (decides the codebooks baked into the encoder). */
  bandwidth: number;
  sourceSha256: string;
  label: string;
  randomWeights?: boolean;
}

export interface Converter {
  id: string;
  kind: ModelDescriptor["kind"];
  detect(ck: Checkpoint): boolean;
  convert(ck: Checkpoint, options: ConvertOptions): { files: Record<string, Uint8Array>; descriptor: ModelDescriptor };
}

export const CONVERTERS: Converter[] = [
  { id: ENCODEC_CONVERTER, kind: "encodec", detect: isEncodec, convert: convertEncodec },
];

export function converterFor(ck: Checkpoint, label: string): Converter {
  const c = CONVERTERS.find((c) => c.detect(ck));
  if (!c) {
    const sample = [...ck.tensors.keys()].slice(0, 3).join(", ") || "no tensors";
    throw new ModelError(`${label}: not a model this tool can convert (supported: ${CONVERTERS.map((c) => c.kind).join(", ")}; found ${sample}…)`);
  }
  return c;
}
