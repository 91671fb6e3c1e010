// T2S generation: text -> semantic tokens, many items at once. Items run in one decoder batch of up to
// `batchSize` rows; an item that finishes leaves and the next waiting one joins (its encoder runs then).
// Semantics follow WhisperSpeech master: start token 512 at position 0; the token sampled at position 0
// is kept whatever it is; afterwards sampling 512 ends the item (EOS not returned); at most 749 tokens.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { T2S_DECODER, T2S_ENCODER, type WhisperSpeechDims } from "./contract.ts";
import { crossKvFrom, decoderNames, KvBatch, kvShape } from "./kv_batch.ts";
import { type SamplingOptions, sampleToken, stepNoise } from "./sampling.ts";
import { TEXT_SLOTS } from "./text.ts";

export interface T2sItem {
  /** Text slots [0, bytes..., 0...] (550). */
  text: Int32Array;
  language: number;
  cpsBin: number;
  /** Noise identity: the same (seed, item, piece) gives the same tokens. */
  seed: number;
  item: number;
  piece: number;
}

export interface T2sModel {
  rt: OrtRuntime;
  encoder: InferenceSession;
  decoder: InferenceSession;
  dims: WhisperSpeechDims;
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
  const kv = new KvBatch<T2sRow>(rt, kvShape(dims), decoderNames(T2S_DECODER));
  let next = 0;
  const admit = async (finished: Set<T2sRow>) => {
    const room = Math.max(0, options.batchSize - (kv.size - finished.size));
    const joining: T2sRow[] = [];
    while (joining.length < room && next < items.length) joining.push({ at: next++, tokens: [start] });
    if (!finished.size && !joining.length) return;
    const cross = joining.length ? await encode(model, joining.map((r) => items[r.at])) : undefined;
    await kv.reshape((r) => !finished.has(r), joining, cross);
  };
  try {
    await admit(new Set());
    while (kv.size > 0) {
      const b = kv.size;
      const ids = new BigInt64Array(b), cps = new BigInt64Array(b);
      kv.rows.forEach((r, n) => {
        ids[n] = BigInt(r.state.tokens[r.state.tokens.length - 1]);
        cps[n] = BigInt(items[r.state.at].cpsBin);
      });
      const logits = await kv.step(model.decoder, {
        [T2S_DECODER.inputs.inputIds]: new rt.Tensor("int64", ids, [b, 1]),
        [T2S_DECODER.inputs.cpsBin]: new rt.Tensor("int64", cps, [b]),
      });
      options.onStep?.();
      const finished = new Set<T2sRow>();
      kv.rows.forEach((r, n) => {
        const row = r.state, item = items[row.at];
        const position = row.tokens.length - 1;
        const view = logits.slice(n * vocab, (n + 1) * vocab);
        // Only the 513 codes exist for S2A: upstream means to mask the extra slot but indexes the wrong axis.
        view.fill(-Infinity, eos + 1);
        const token = sampleToken(view, options, stepNoise(item.seed, item.item, item.piece, STAGE_T2S, position));
        if (position >= 1 && token === eos) {
          results[row.at] = Int32Array.from(row.tokens.slice(1));
          finished.add(row);
          return;
        }
        row.tokens.push(token);
        if (row.tokens.length - 1 >= maxTokens) {
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

async function encode(model: T2sModel, items: T2sItem[]) {
  const { rt, dims } = model;
  const n = items.length;
  const text = new BigInt64Array(n * TEXT_SLOTS), lang = new BigInt64Array(n * TEXT_SLOTS);
  items.forEach((it, i) => {
    for (let j = 0; j < TEXT_SLOTS; j++) text[i * TEXT_SLOTS + j] = BigInt(it.text[j]);
    lang.fill(BigInt(it.language), i * TEXT_SLOTS, (i + 1) * TEXT_SLOTS);
  });
  const out = await model.encoder.run({
    [T2S_ENCODER.inputs.textTokens]: new rt.Tensor("int64", text, [n, TEXT_SLOTS]),
    [T2S_ENCODER.inputs.languageIds]: new rt.Tensor("int64", lang, [n, TEXT_SLOTS]),
  } as Record<string, Tensor>);
  return crossKvFrom(out, T2S_ENCODER, dims.numDecoderLayers, n);
}
