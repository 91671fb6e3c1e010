// S2A generation: semantic tokens + speaker -> 4 EnCodec codebooks at 75 Hz, with WhisperSpeech's delay
// pattern, many items in one running batch (as in generate_t2s.ts). Per item, N = 3 * n_s: position p
// feeds column p of the grid (1025 = not started yet) and the sample of codebook q <= p lands in column
// p + 1; positions 0 .. min(N, 2249) - 2 run; the result is out[q][t] = grid[q][t + q + 1], t < N - 4.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { S2A_DECODER, S2A_ENCODER, type WhisperSpeechDims } from "./contract.ts";
import { decoderNames, KvBatch, kvShape } from "./kv_batch.ts";
import type { KvType } from "./kv_store.ts";
import { type SamplingOptions, sampleToken, stepNoise } from "./sampling.ts";
import { SPEAKER_DIM } from "./speakers.ts";

/** Semantic padding / start value of the S2A encoder input (stoks_codes - 1). */
const SEMANTIC_PAD = 512;
const STAGE_S2A = 2;

export interface S2aItem {
  stoks: Int32Array;
  speaker: Float32Array;
  seed: number;
  item: number;
  piece: number;
  /** 1-based try of the row (absent = 1). */
  attempt?: number;
}

export interface S2aModel {
  rt: OrtRuntime;
  encoder: InferenceSession;
  decoder: InferenceSession;
  dims: WhisperSpeechDims;
  /** The graphs' K/V element type (float16 for the fp16 graphs); float32 when absent. */
  kvType?: KvType;
}

/** Acoustic tokens of one item: `codes[q * frames + t]`. */
export interface Atoks {
  codes: Int32Array;
  quantizers: number;
  frames: number;
}

interface S2aRow {
  at: number;
  n: number; // N = 3 * n_s
  grid: Int32Array; // [Q, n]
  position: number;
  last: number;
}

export async function generateS2A(
  model: S2aModel,
  items: S2aItem[],
  options: SamplingOptions & { batchSize: number; onStep?: () => void },
): Promise<(Atoks | Error)[]> {
  const { rt, dims } = model;
  const q = dims.quantizers ?? 4, vocab = dims.vocab, notStarted = dims.startToken;
  const maxSemantic = dims.encoderLen - 1;
  const results: (Atoks | Error)[] = new Array(items.length);
  const queue: number[] = [];
  items.forEach((it, i) => {
    if (it.stoks.length < 2) results[i] = new Error(`T2S produced ${it.stoks.length} semantic token(s): too little speech to continue`);
    else if (it.stoks.length > maxSemantic) results[i] = new Error(`${it.stoks.length} semantic tokens; S2A takes at most ${maxSemantic}`);
    else if (it.stoks.some((t) => t < 0 || t > SEMANTIC_PAD)) results[i] = new Error("semantic token out of range 0..512");
    else if (it.speaker.length !== SPEAKER_DIM) results[i] = new Error(`speaker embedding has ${it.speaker.length} values, not ${SPEAKER_DIM}`);
    else queue.push(i);
  });
  const kv = await KvBatch.create<S2aRow>(rt, kvShape(dims), decoderNames(S2A_DECODER), model.kvType);
  let next = 0;
  const admit = async (finished: Set<S2aRow>) => {
    const room = Math.max(0, options.batchSize - (kv.live - finished.size));
    const joining: S2aRow[] = [];
    while (joining.length < room && next < queue.length) {
      const at = queue[next++], n = 3 * items[at].stoks.length;
      joining.push({ at, n, grid: new Int32Array(q * n).fill(notStarted), position: 0, last: Math.min(n, dims.maxPositions - 1) - 2 });
    }
    if (!finished.size && !joining.length) return;
    // One encoder run per item, as in T2S.
    await kv.update(finished, joining, (j, into) => encode(model, items[joining[j].at], into), next < queue.length);
  };
  try {
    await admit(new Set());
    while (kv.live > 0) {
      const b = kv.size;
      const ids = new BigInt64Array(b * q).fill(BigInt(notStarted)); // holes: padding input
      kv.slots.forEach((r, n) => {
        if (!r) return;
        for (let c = 0; c < q; c++) ids[n * q + c] = BigInt(r.state.grid[c * r.state.n + r.state.position]);
      });
      const logits = await kv.step(model.decoder, { [S2A_DECODER.inputs.inputIds]: new rt.Tensor("int64", ids, [b, q, 1]) });
      options.onStep?.();
      const finished = new Set<S2aRow>();
      kv.slots.forEach((r, n) => {
        if (!r) return;
        const row = r.state, item = items[row.at], p = row.position;
        const noise = stepNoise(item.seed, item.item, item.piece, STAGE_S2A, p, item.attempt);
        for (let c = 0; c < q; c++) {
          const token = sampleToken(logits.subarray((n * q + c) * vocab, (n * q + c + 1) * vocab), options, noise);
          if (c <= p && p + 1 < row.n) row.grid[c * row.n + p + 1] = token;
        }
        if (p >= row.last) {
          results[row.at] = unshift(row, q);
          finished.add(row);
        } else row.position++;
      });
      if (finished.size) await admit(finished);
    }
  } catch (e) {
    for (const i of queue) results[i] ??= e instanceof Error ? e : new Error(String(e));
  } finally {
    kv.dispose();
  }
  return results;
}

/** Undoes the delay pattern: out[q][t] = grid[q][t + q + 1], t < N - 4. */
function unshift(row: S2aRow, q: number): Atoks {
  const frames = row.n - 4;
  const codes = new Int32Array(q * frames);
  for (let c = 0; c < q; c++) codes.set(row.grid.subarray(c * row.n + c + 1, c * row.n + c + 1 + frames), c * frames);
  return { codes, quantizers: q, frames };
}

async function encode(model: S2aModel, item: S2aItem, into?: Record<string, Tensor>) {
  const { rt, dims } = model;
  const len = dims.encoderLen;
  const stoks = new BigInt64Array(len).fill(BigInt(SEMANTIC_PAD));
  for (let j = 0; j < item.stoks.length; j++) stoks[1 + j] = BigInt(item.stoks[j]);
  const feeds = {
    [S2A_ENCODER.inputs.semanticTokens]: new rt.Tensor("int64", stoks, [1, len]),
    [S2A_ENCODER.inputs.speakerEmbedding]: new rt.Tensor("float32", item.speaker, [1, SPEAKER_DIM]),
  } as Record<string, Tensor>;
  return into ? await model.encoder.run(feeds, into) : await model.encoder.run(feeds);
}
