// T2S generation: text -> semantic tokens, many items at once. Items run in one decoder batch of up to
// `batchSize` rows; an item that finishes leaves and the next waiting one joins (its encoder runs then).
// Semantics follow WhisperSpeech master: start token 512 at position 0; the token sampled at position 0
// is kept whatever it is; afterwards sampling 512 ends the item (EOS not returned); at most 749 tokens.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { T2S_DECODER, T2S_ENCODER, type WhisperSpeechDims } from "./contract.ts";
import { decoderNames, KvBatch, kvShape } from "./kv_batch.ts";
import type { KvType } from "./kv_store.ts";
import { type SamplingOptions, sampleToken, stepNoise } from "./sampling.ts";
import { TEXT_SLOTS } from "./text.ts";

export interface T2sItem {
  /** Text slots [0, bytes..., 0...] (550). */
  text: Int32Array;
  language: number;
  cpsBin: number;
  /** Noise identity: the same (seed, item, piece, attempt) gives the same tokens. */
  seed: number;
  item: number;
  piece: number;
  /** 1-based try of the row (absent = 1). */
  attempt?: number;
  /** Fewer tokens than the model's limit: the item ends there (the demo models' length rule). */
  maxTokens?: number;
}

export interface T2sModel {
  rt: OrtRuntime;
  encoder: InferenceSession;
  decoder: InferenceSession;
  dims: WhisperSpeechDims;
  /** The graphs' K/V element type (float16 for the fp16 graphs); float32 when absent. */
  kvType?: KvType;
}

interface T2sRow {
  at: number; // index into items
  tokens: number[];
}

const STAGE_T2S = 1;

export async function generateT2S(
  model: T2sModel,
  items: T2sItem[],
  options: SamplingOptions & { batchSize: number; onStep?: () => void },
): Promise<(Int32Array | Error)[]> {
  const { rt, dims } = model;
  const start = dims.startToken, eos = dims.eosToken, vocab = dims.vocab;
  const maxTokens = dims.maxPositions - 1;
  const results: (Int32Array | Error)[] = new Array(items.length);
  const kv = await KvBatch.create<T2sRow>(rt, kvShape(dims), decoderNames(T2S_DECODER), model.kvType);
  let next = 0;
  const admit = async (finished: Set<T2sRow>) => {
    const room = Math.max(0, options.batchSize - (kv.live - finished.size));
    const joining: T2sRow[] = [];
    while (joining.length < room && next < items.length) joining.push({ at: next++, tokens: [start] });
    if (!finished.size && !joining.length) return;
    // One encoder run per item: batching the 550-slot encoder is slower per item on CPU (bigger score tensors).
    await kv.update(finished, joining, (j, into) => encode(model, items[joining[j].at], into), next < items.length);
  };
  try {
    await admit(new Set());
    while (kv.live > 0) {
      const b = kv.size;
      const ids = new BigInt64Array(b).fill(BigInt(start)), cps = new BigInt64Array(b);
      kv.slots.forEach((r, n) => {
        if (!r) return; // a hole: padding input
        ids[n] = BigInt(r.state.tokens[r.state.tokens.length - 1]);
        cps[n] = BigInt(items[r.state.at].cpsBin);
      });
      const logits = await kv.step(model.decoder, {
        [T2S_DECODER.inputs.inputIds]: new rt.Tensor("int64", ids, [b, 1]),
        [T2S_DECODER.inputs.cpsBin]: new rt.Tensor("int64", cps, [b]),
      });
      options.onStep?.();
      const finished = new Set<T2sRow>();
      kv.slots.forEach((r, n) => {
        if (!r) return;
        const row = r.state, item = items[row.at];
        const position = row.tokens.length - 1;
        const view = logits.slice(n * vocab, (n + 1) * vocab);
        // Only the 513 codes exist for S2A: upstream means to mask the extra slot but indexes the wrong axis.
        view.fill(-Infinity, eos + 1);
        const token = sampleToken(view, options, stepNoise(item.seed, item.item, item.piece, STAGE_T2S, position, item.attempt));
        if (position >= 1 && token === eos) {
          results[row.at] = Int32Array.from(row.tokens.slice(1));
          finished.add(row);
          return;
        }
        row.tokens.push(token);
        if (row.tokens.length - 1 >= Math.min(maxTokens, item.maxTokens ?? maxTokens)) {
          results[row.at] = Int32Array.from(row.tokens.slice(1));
          finished.add(row);
        }
      });
      if (finished.size) await admit(finished);
    }
  } catch (e) {
    // A failed run fails the items it held and those still waiting; finished ones keep their tokens.
    for (let i = 0; i < items.length; i++) results[i] ??= e instanceof Error ? e : new Error(String(e));
  } finally {
    kv.dispose();
  }
  return results;
}

async function encode(model: T2sModel, item: T2sItem, into?: Record<string, Tensor>) {
  const { rt } = model;
  const text = BigInt64Array.from(item.text.subarray(0, TEXT_SLOTS), BigInt);
  const lang = new BigInt64Array(TEXT_SLOTS).fill(BigInt(item.language));
  const feeds = {
    [T2S_ENCODER.inputs.textTokens]: new rt.Tensor("int64", text, [1, TEXT_SLOTS]),
    [T2S_ENCODER.inputs.languageIds]: new rt.Tensor("int64", lang, [1, TEXT_SLOTS]),
  } as Record<string, Tensor>;
  return into ? await model.encoder.run(feeds, into) : await model.encoder.run(feeds);
}
