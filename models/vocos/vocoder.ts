// The converted Vocos graph as WhisperSpeech's vocoder: acoustic codes [Q, T] -> 24 kHz PCM, one item per run
// (Vocos is not causal: batching with padding would change the last frames).
import type { InferenceSession } from "onnxruntime-common";
import { ModelError } from "../../core/errors.ts";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { VOCOS } from "../whisperspeech/contract.ts";
import type { ConvertedGraphs } from "../whisperspeech/load.ts";
import type { CodesToWave } from "../whisperspeech/tts_engine.ts";

/** vocos-encodec's AdaLayerNorm rows: 1.5, 3, 6, 12 kbps = 2, 4, 8, 16 codebooks. */
const BANDWIDTH_ID: Record<number, number> = { 2: 0, 4: 1, 8: 2, 16: 3 };

export class Vocoder implements CodesToWave {
  readonly sampleRate = 24000;
  private constructor(private rt: OrtRuntime, private session: InferenceSession) {}

  static async create(rt: OrtRuntime, model: ConvertedGraphs, label = "models.vocos"): Promise<Vocoder> {
    if (model.descriptor.kind !== "vocos") throw new ModelError(`${label}: is a ${model.descriptor.kind} model, not Vocos`);
    return new Vocoder(rt, await rt.createSession(await model.read(VOCOS.file)));
  }

  async decode(codes: Int32Array, quantizers: number, frames: number): Promise<Float32Array> {
    const bw = BANDWIDTH_ID[quantizers];
    if (bw === undefined) throw new Error(`Vocos takes 2, 4, 8 or 16 codebooks, not ${quantizers}`);
    const out = await this.session.run({
      [VOCOS.inputs.audioCodes]: new this.rt.Tensor("int64", BigInt64Array.from(codes, (c) => BigInt(c)), [1, quantizers, frames]),
      [VOCOS.inputs.bandwidthId]: new this.rt.Tensor("int64", BigInt64Array.from([BigInt(bw)]), [1]),
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
