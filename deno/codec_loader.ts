// An EnCodec AudioCodec from a model ref on a device: download/convert once (model_store), then sessions.
import { ModelError } from "../core/errors.ts";
import { EncodecCodec } from "../models/encodec/codec.ts";
import { decoderFile, encoderFile } from "../models/encodec/convert.ts";
import { codebooksForBandwidth } from "../models/encodec/weights.ts";
import { DEFAULT_FILES } from "./engine_files.ts";
import { loadConverted, type StoreOptions } from "./model_store.ts";
import { loadOrt } from "./ort_runtime.ts";

export async function loadEncodec(ref: string, device: string, bandwidth: number, options: StoreOptions & { decoder?: boolean } = {}) {
  const model = await loadConverted(ref, DEFAULT_FILES.codec, { bandwidth }, options);
  if (model.descriptor.kind !== "encodec") throw new ModelError(`${ref}: is a ${model.descriptor.kind} model, not EnCodec`);
  const cfg = model.descriptor.config as { bins: number; sample_rate: number; hop: number };
  const nq = codebooksForBandwidth(bandwidth, cfg.bins, cfg.sample_rate / cfg.hop);
  if (!model.descriptor.graphs[`encoder_${nq}q`]) {
    throw new ModelError(`${model.dir}: converted for ${Object.keys(model.descriptor.graphs).join(", ")}, not ${nq} codebooks (${bandwidth} kbps); convert the checkpoint with --bandwidth ${bandwidth}`);
  }
  const rt = await loadOrt(device, options.log);
  const codec = await EncodecCodec.create(rt, {
    encoder: await model.read(encoderFile(nq)),
    decoder: options.decoder === false ? undefined : await model.read(decoderFile(nq)),
    codebooks: nq,
  });
  return { codec, runtime: rt, model };
}
