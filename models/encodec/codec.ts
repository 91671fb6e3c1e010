// AudioCodec over the EnCodec graphs: PCM (any rate) -> interleaved codes [c0_t0, c1_t0, c0_t1, ...] as the seed
// wrote them (torch.stack((codes[0][0], codes[0][1]), dim=1).flatten()), and back.
import type { InferenceSession } from "onnxruntime-common";
import type { AudioCodec } from "../../core/worker/audio_codec.ts";
import { resample } from "../audio/resample.ts";
import type { OrtRuntime } from "../onnx/runtime.ts";

export class EncodecCodec implements AudioCodec {
  readonly sampleRate = 24000;
  private constructor(
    private rt: OrtRuntime,
    private encoder: InferenceSession,
    private decoder: InferenceSession | undefined,
    readonly codebooks: number,
  ) {}

  static async create(rt: OrtRuntime, graphs: { encoder: Uint8Array; decoder?: Uint8Array; codebooks: number }): Promise<EncodecCodec> {
    const encoder = await rt.createSession(graphs.encoder);
    const decoder = graphs.decoder ? await rt.createSession(graphs.decoder) : undefined;
    return new EncodecCodec(rt, encoder, decoder, graphs.codebooks);
  }

  async encode(pcm: Float32Array, sampleRate: number): Promise<Int32Array> {
    const x = await resample(pcm, sampleRate, this.sampleRate);
    const out = await this.encoder.run({ input_values: new this.rt.Tensor("float32", x, [1, 1, x.length]) }, ["audio_codes"]);
    const codes = out.audio_codes;
    const [, nq, T] = codes.dims as number[];
    const data = codes.data as BigInt64Array;
    const tokens = new Int32Array(nq * T);
    for (let t = 0; t < T; t++) for (let q = 0; q < nq; q++) tokens[t * nq + q] = Number(data[q * T + t]);
    codes.dispose?.();
    return tokens;
  }

  async decode(tokens: Int32Array): Promise<Float32Array> {
    if (!this.decoder) throw new Error("this codec was loaded without its decoder graph");
    const nq = this.codebooks;
    if (tokens.length % nq !== 0) throw new Error(`${tokens.length} tokens do not split into ${nq} codebooks`);
    const T = tokens.length / nq;
    const codes = new BigInt64Array(tokens.length);
    for (let t = 0; t < T; t++) {
      for (let q = 0; q < nq; q++) {
        const v = tokens[t * nq + q];
        if (!Number.isInteger(v) || v < 0 || v > 1023) throw new Error(`token ${t * nq + q} is ${v}, outside 0..1023`);
        codes[q * T + t] = BigInt(v);
      }
    }
    const out = await this.decoder.run({ audio_codes: new this.rt.Tensor("int64", codes, [1, nq, T]) });
    return (out.audio_values.data as Float32Array).slice();
  }

  async dispose() {
    await this.encoder.release();
    await this.decoder?.release();
  }
}
