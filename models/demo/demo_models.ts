// Demo models: micro-size WhisperSpeech T2S/S2A, Vocos and EnCodec with seeded random weights, written as
// checkpoints in the original formats by the project's own tooling, so they load and convert through exactly
// the code real checkpoints take. They make noise, not speech: every log and the README say so.
import { ModelError } from "../../core/errors.ts";
import { stateDict, torchSave } from "../checkpoint/writer.ts";
import { MICRO_ENCODEC, randomEncodecStateDict } from "../encodec/random_weights.ts";
import { MICRO_VOCOS, randomVocosStateDict } from "../vocos/random_weights.ts";
import { PRESETS, randomS2aCheckpoint, randomT2sCheckpoint } from "../whisperspeech/random_checkpoints.ts";

const SEED = 20240722; // fixed: the demo models are the same everywhere

/**
 * T2S init scales that let the text steer the tokens. With plain random init the decoder's cross-attention
 * averages over 550 text slots that are mostly padding, so every text gives nearly the same tokens (62 of 64
 * alike). Larger text embeddings and sharper cross-attention queries make it attend to the text's bytes; a larger
 * cross-attention output and unembedding make that change the sampled tokens. Measured over the 100 sample
 * prompts with the same noise: 10% of positions agree between two texts (99% before). Row length: see
 * demo_length.ts.
 */
const TEXT_MATTERS: [RegExp, number][] = [
  [/^encoder\.embedding\.main\.weight$/, 8],
  [/^decoder\.layers\.\d+\.cross_attn\.query\.weight$/, 16],
  [/^decoder\.layers\.\d+\.cross_attn\.(value|out)\.weight$/, 3],
  [/^embeddings\.embedding\.hidden_to_emb\.weight$/, 3],
];

const MAKERS: Record<string, () => Uint8Array> = {
  t2s: () => randomT2sCheckpoint(PRESETS.micro, SEED, { scales: TEXT_MATTERS }),
  s2a: () => randomS2aCheckpoint(PRESETS.micro, SEED + 1),
  vocos: () => torchSave(stateDict(randomVocosStateDict(MICRO_VOCOS, SEED + 2))),
  encodec: () => torchSave(stateDict(randomEncodecStateDict(MICRO_ENCODEC, SEED + 3))),
};

export const DEMO_MODEL_NAMES: readonly string[] = Object.keys(MAKERS);

const made = new Map<string, Uint8Array>();

/** The checkpoint bytes of demo model `name` (deterministic). */
export function demoCheckpoint(name: string): Uint8Array {
  const make = MAKERS[name];
  if (!make) throw new ModelError(`demo:${name}: no such demo model (have ${DEMO_MODEL_NAMES.map((n) => `demo:${n}`).join(", ")})`);
  let bytes = made.get(name);
  if (!bytes) made.set(name, bytes = make());
  return bytes;
}
