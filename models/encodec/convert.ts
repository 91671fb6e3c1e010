// EnCodec checkpoint -> encodec_encoder_<n_q>q.onnx + encodec_decoder_<n_q>q.onnx + model.json.
import type { Checkpoint } from "../checkpoint/types.ts";
import { type ModelDescriptor, FORMAT_VERSION } from "../convert/descriptor.ts";
import { buildDecoder, buildEncoder } from "./graph.ts";
import { codebooksForBandwidth, detectLayout, readEncodec } from "./weights.ts";

export const ENCODEC_CONVERTER = "encodec@1";

export const encoderFile = (nq: number) => `encodec_encoder_${nq}q.onnx`;
export const decoderFile = (nq: number) => `encodec_decoder_${nq}q.onnx`;

export function isEncodec(ck: Checkpoint): boolean {
  return detectLayout(ck.tensors) !== undefined && [...ck.tensors.keys()].some((k) => k.includes("quantizer"));
}

export function convertEncodec(ck: Checkpoint, options: { bandwidth: number; sourceSha256: string; label: string; randomWeights?: boolean }) {
  const w = readEncodec(ck.tensors, options.label);
  const frameRate = w.sampleRate / w.hop;
  const nq = codebooksForBandwidth(options.bandwidth, w.bins, frameRate);
  if (nq > w.codebooks.length) {
    throw new Error(`${options.label}: bandwidth ${options.bandwidth} kbps needs ${nq} codebooks, the checkpoint has ${w.codebooks.length}`);
  }
  const files: Record<string, Uint8Array> = {
    [encoderFile(nq)]: buildEncoder(w, nq),
    [decoderFile(nq)]: buildDecoder(w, nq),
  };
  const descriptor: ModelDescriptor = {
    kind: "encodec",
    format_version: FORMAT_VERSION,
    converter: ENCODEC_CONVERTER,
    source_sha256: options.sourceSha256,
    source: options.label,
    graphs: { [`encoder_${nq}q`]: encoderFile(nq), [`decoder_${nq}q`]: decoderFile(nq) },
    config: { sample_rate: w.sampleRate, hop: w.hop, bins: w.bins, dim: w.dim, codebooks_available: w.codebooks.length, layout: w.layout },
    random_weights: options.randomWeights,
  };
  return { files, descriptor, nq };
}
