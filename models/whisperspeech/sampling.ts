// Token sampling as WhisperSpeech does it (logits / T, optional top-k, softmax, then argmax(p / q) with
// q ~ Exp(1), which is multinomial sampling), but with noise that depends only on (seed, item, piece, stage,
// step, attempt): the same seed and index give the same tokens whatever the batch, worker or device count,
// and a retry (attempt 2, 3, ...) draws afresh, so a row whose first draw failed can succeed on a later try.

/** 32-bit mix (murmur3 finalizer). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The noise stream of one sampling step: uniform numbers in (0, 1]. Attempt 1 (the default) mixes nothing
 * in, so first tries keep the tokens they had before attempts took part. */
export function stepNoise(seed: number, item: number, piece: number, stage: number, step: number, attempt = 1): () => number {
  let s = mix(mix(mix(mix(mix(seed >>> 0) ^ (item >>> 0)) ^ (Math.floor(item / 2 ** 32) >>> 0) ^ piece) ^ stage) ^ step);
  if (attempt > 1) s = mix(s ^ Math.imul(attempt >>> 0, 0x632be5ab));
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    return (mix(s) + 1) / 2 ** 32;
  };
}

export interface SamplingOptions {
  /** 0 = greedy (first index of the maximum). */
  temperature: number;
  topK?: number;
}

/** Samples one index from `logits` (a view; not modified). */
export function sampleToken(logits: Float32Array, options: SamplingOptions, noise: () => number): number {
  const n = logits.length;
  if (!(options.temperature > 0)) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let pivot = -Infinity;
  if (options.topK && options.topK < n) pivot = Float32Array.from(logits).sort()[n - options.topK];
  const t = Math.max(options.temperature, 1e-5);
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] >= pivot && logits[i] > max) max = logits[i];
  // argmax(p_i / q_i) = argmax(log p_i - log q_i): the softmax normaliser cancels.
  let best = -1, bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    const q = -Math.log(noise()); // one draw per entry, masked or not, so streams stay aligned
    if (logits[i] < pivot || logits[i] === -Infinity) continue;
    const score = (logits[i] - max) / t - Math.log(q);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best < 0 ? 0 : best;
}
