// WhisperSpeech checkpoints -> t2s_{encoder,decoder}.onnx or s2a_{encoder,decoder}.onnx + model.json (whose
// config is the WhisperSpeechDims the generation loop reads).
import type { Checkpoint } from "../checkpoint/types.ts";
import { FORMAT_VERSION, type ModelDescriptor } from "../convert/descriptor.ts";
import { readS2aSpec, readT2sSpec, whisperSpeechKind } from "./checkpoint_spec.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER } from "./contract.ts";
import { buildS2aDecoder, buildS2aEncoder } from "./s2a_graphs.ts";
import { buildT2sDecoder, buildT2sEncoder } from "./t2s_graphs.ts";

export const T2S_CONVERTER = "whisperspeech-t2s@3"; // 3: + the fp16 decoder
export const S2A_CONVERTER = "whisperspeech-s2a@4"; // 3: codebook embeddings as one wide Gather (all nodes on WebGPU); 4: + the fp16 decoder

/** The fp16 twin of a decoder graph file (processing.precision; graph_common.ts says what is float16). */
export const fp16File = (file: string) => file.replace(/\.onnx$/, "_fp16.onnx");

interface Options {
  sourceSha256: string;
  label: string;
  randomWeights?: boolean;
}

export const isT2s = (ck: Checkpoint) => whisperSpeechKind(ck) === "t2s";
export const isS2a = (ck: Checkpoint) => whisperSpeechKind(ck) === "s2a";

function descriptor(kind: ModelDescriptor["kind"], converter: string, graphs: Record<string, string>, config: object, o: Options): ModelDescriptor {
  return {
    kind,
    format_version: FORMAT_VERSION,
    converter,
    source_sha256: o.sourceSha256,
    source: o.label,
    graphs,
    config: config as Record<string, unknown>,
    random_weights: o.randomWeights,
  };
}

export function convertT2s(ck: Checkpoint, o: Options) {
  const spec = readT2sSpec(ck, o.label);
  return {
    files: {
      [T2S_ENCODER.file]: buildT2sEncoder(spec),
      [T2S_DECODER.file]: buildT2sDecoder(spec),
      [fp16File(T2S_DECODER.file)]: buildT2sDecoder(spec, "fp16"),
    },
    descriptor: descriptor(
      "whisperspeech-t2s",
      T2S_CONVERTER,
      { encoder: T2S_ENCODER.file, decoder: T2S_DECODER.file, decoder_fp16: fp16File(T2S_DECODER.file) },
      spec.dims,
      o,
    ),
  };
}

export function convertS2a(ck: Checkpoint, o: Options) {
  const spec = readS2aSpec(ck, o.label);
  return {
    files: {
      [S2A_ENCODER.file]: buildS2aEncoder(spec),
      [S2A_DECODER.file]: buildS2aDecoder(spec),
      [fp16File(S2A_DECODER.file)]: buildS2aDecoder(spec, "fp16"),
    },
    descriptor: descriptor(
      "whisperspeech-s2a",
      S2A_CONVERTER,
      { encoder: S2A_ENCODER.file, decoder: S2A_DECODER.file, decoder_fp16: fp16File(S2A_DECODER.file) },
      spec.dims,
      o,
    ),
  };
}
