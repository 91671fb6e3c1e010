// WhisperSpeech checkpoints -> t2s_{encoder,decoder}.onnx or s2a_{encoder,decoder}.onnx + model.json (whose
// config is the WhisperSpeechDims the generation loop reads).
import type { Checkpoint } from "../checkpoint/types.ts";
import { FORMAT_VERSION, type ModelDescriptor } from "../convert/descriptor.ts";
import { readS2aSpec, readT2sSpec, whisperSpeechKind } from "./checkpoint_spec.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER } from "./contract.ts";
import { buildS2aDecoder, buildS2aEncoder } from "./s2a_graphs.ts";
import { buildT2sDecoder, buildT2sEncoder } from "./t2s_graphs.ts";

export const T2S_CONVERTER = "whisperspeech-t2s@4"; // 3: + the fp16 decoder; 4: + fp16 encoder, float16 KV caches
// 3: codebook embeddings as one wide Gather (all nodes on WebGPU); 4: + the fp16 decoder; 5: + fp16 encoder, float16 KV caches
export const S2A_CONVERTER = "whisperspeech-s2a@5";

/** The fp16 twin of a graph file (processing.precision; graph_common.ts says what is float16). */
export const fp16File = (file: string) => file.replace(/\.onnx$/, "_fp16.onnx");

interface Options {
  sourceSha256: string;
  label: string;
  randomWeights?: boolean;
}

export const isT2s = (ck: Checkpoint) => whisperSpeechKind(ck) === "t2s";
export const isS2a = (ck: Checkpoint) => whisperSpeechKind(ck) === "s2a";

/** The encoder and the decoder, each with its fp16 twin (the fp16 encoder gives the float16 cross K/V the fp16
 * decoder reads), with the descriptor that names them. */
function converted<S extends { dims: object }>(
  kind: "whisperspeech-t2s" | "whisperspeech-s2a",
  converter: string,
  names: { encoder: string; decoder: string },
  spec: S,
  build: { encoder(spec: S, precision?: "fp16"): Uint8Array; decoder(spec: S, precision?: "fp16"): Uint8Array },
  o: Options,
) {
  const encoderFp16 = fp16File(names.encoder), decoderFp16 = fp16File(names.decoder);
  return {
    files: {
      [names.encoder]: build.encoder(spec),
      [names.decoder]: build.decoder(spec),
      [encoderFp16]: build.encoder(spec, "fp16"),
      [decoderFp16]: build.decoder(spec, "fp16"),
    },
    descriptor: {
      kind,
      format_version: FORMAT_VERSION,
      converter,
      source_sha256: o.sourceSha256,
      source: o.label,
      graphs: { encoder: names.encoder, decoder: names.decoder, encoder_fp16: encoderFp16, decoder_fp16: decoderFp16 },
      config: spec.dims as Record<string, unknown>,
      random_weights: o.randomWeights,
    } satisfies ModelDescriptor,
  };
}

export function convertT2s(ck: Checkpoint, o: Options) {
  const build = { encoder: buildT2sEncoder, decoder: buildT2sDecoder };
  return converted("whisperspeech-t2s", T2S_CONVERTER, { encoder: T2S_ENCODER.file, decoder: T2S_DECODER.file }, readT2sSpec(ck, o.label), build, o);
}

export function convertS2a(ck: Checkpoint, o: Options) {
  const build = { encoder: buildS2aEncoder, decoder: buildS2aDecoder };
  return converted("whisperspeech-s2a", S2A_CONVERTER, { encoder: S2A_ENCODER.file, decoder: S2A_DECODER.file }, readS2aSpec(ck, o.label), build, o);
}
