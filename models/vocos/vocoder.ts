// The converted Vocos graph as WhisperSpeech's vocoder: acoustic codes [Q, T] -> 24 kHz PCM, one item per run
// (Vocos is not causal: batching with padding would change the last frames).
import type { InferenceSession } from "onnxruntime-common";
import { InputError, ModelError } from "../../core/errors.ts";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { VOCOS } from "../whisperspeech/contract.ts";
import type { ConvertedGraphs } from "../whisperspeech/load.ts";
import type { GraphPrecision } from "../whisperspeech/graph_common.ts";
import type { CodesToWave } from "../whisperspeech/tts_engine.ts";

/** vocos-encodec's AdaLayerNorm rows: 1.5, 3, 6, 12 kbps = 2, 4, 8, 16 codebooks. */
export const BANDWIDTH_ID: Record<number, number> = { 2: 0, 4: 1, 8: 2, 16: 3 };
/** Rows of the stacked codebook table (16 books of 1024); code + 1024 q must stay below it. */
const TABLE_ROWS = 16 * 1024;

export class Vocoder implements CodesToWave {
  readonly sampleRate = 24000;
  private constructor(private rt: OrtRuntime, private session: InferenceSession) {}

  /** From a converted model folder (checked to be Vocos; fp16: its fp16 twin) or from graph bytes themselves. */
  static async create(rt: OrtRuntime, model: ConvertedGraphs | Uint8Array, label = "models.vocos", precision: GraphPrecision = "fp32"): Promise<Vocoder> {
    if (model instanceof Uint8Array) return new Vocoder(rt, await rt.createSession(model));
    if (model.descriptor.kind !== "vocos") throw new ModelError(`${label}: is a ${model.descriptor.kind} model, not Vocos`);
    const file = precision === "fp16" ? model.descriptor.graphs.vocos_fp16 : VOCOS.file;
    if (!file) throw new ModelError(`${label}: converted without an fp16 graph (converter ${model.descriptor.converter})`);
    return new Vocoder(rt, await rt.createSession(await model.read(file)));
  }

  /** codes: [quantizers * frames], q-major. The AdaLayerNorm row follows the codebook count unless given. */
  async decode(codes: Int32Array, quantizers: number, frames: number, bandwidthId = BANDWIDTH_ID[quantizers]): Promise<Float32Array> {
    if (bandwidthId === undefined) throw new InputError(`Vocos takes 2, 4, 8 or 16 codebooks, not ${quantizers}`);
    if (!Number.isInteger(frames) || frames < 1 || codes.length !== quantizers * frames) {
      throw new InputError(`Vocos: ${codes.length} codes do not make ${quantizers} codebooks x ${frames} frames`);
    }
    const idx = new BigInt64Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i], q = Math.floor(i / frames);
      // Python lets 1024/1025 index the next book's first rows; only past the table's end does it fail.
      if (c < 0 || c + 1024 * q >= TABLE_ROWS) throw new InputError(`Vocos: code ${c} in codebook ${q} is out of range`);
      idx[i] = BigInt(c);
    }
    const out = await this.session.run({
      [VOCOS.inputs.audioCodes]: new this.rt.Tensor("int64", idx, [1, quantizers, frames]),
      [VOCOS.inputs.bandwidthId]: new this.rt.Tensor("int64", BigInt64Array.from([BigInt(bandwidthId)]), [1]),
    });
    const audio = out[VOCOS.output];
    const data = (audio.data as Float32Array).slice();
    audio.dispose();
    return data;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
