import assert from "node:assert/strict";
import { sampleToken, stepNoise } from "../../models/whisperspeech/sampling.ts";

Deno.test("temperature 0 is greedy: first index of the maximum", () => {
  assert.equal(sampleToken(Float32Array.from([1, 5, 5, 2]), { temperature: 0 }, stepNoise(1, 0, 0, 1, 0)), 1);
});

Deno.test("the same (seed, item, piece, stage, step) gives the same draw; any change gives another stream", () => {
  const logits = Float32Array.from({ length: 514 }, (_, i) => Math.sin(i));
  const draw = (...a: [number, number, number, number, number]) => sampleToken(logits, { temperature: 1 }, stepNoise(...a));
  assert.equal(draw(7, 3, 0, 1, 5), draw(7, 3, 0, 1, 5));
  const variants = [draw(8, 3, 0, 1, 5), draw(7, 4, 0, 1, 5), draw(7, 3, 1, 1, 5), draw(7, 3, 0, 2, 5), draw(7, 3, 0, 1, 6)];
  assert.ok(variants.some((v) => v !== draw(7, 3, 0, 1, 5)));
});

Deno.test("sampling follows softmax(logits / T) (chi-square over 20k draws)", () => {
  const logits = Float32Array.from([0, 1, 2, -1]);
  const t = 0.7, n = 20000;
  const counts = [0, 0, 0, 0];
  for (let s = 0; s < n; s++) counts[sampleToken(logits, { temperature: t }, stepNoise(1, s, 0, 1, 0))]++;
  const e = logits.map((l) => Math.exp(l / t)), z = e.reduce((a, b) => a + b);
  const chi = counts.reduce((acc, c, i) => acc + (c - (n * e[i]) / z) ** 2 / ((n * e[i]) / z), 0);
  assert.ok(chi < 16.3, `chi-square ${chi} (3 dof, p=0.001 at 16.3); counts ${counts}`);
});

Deno.test("top-k keeps only the k largest logits; -Infinity is never drawn", () => {
  const logits = Float32Array.from([3, 2.9, 0, 0, 0, -Infinity]);
  for (let s = 0; s < 2000; s++) {
    assert.ok(sampleToken(logits, { temperature: 5, topK: 2 }, stepNoise(2, s, 0, 1, 0)) < 2);
    assert.notEqual(sampleToken(logits, { temperature: 50 }, stepNoise(3, s, 0, 1, 0)), 5);
  }
});

Deno.test("attempt 1 draws what no attempt draws; later attempts draw other streams, each the same every time", () => {
  const logits = Float32Array.from({ length: 514 }, (_, i) => Math.cos(i));
  const stream = (attempt?: number) => {
    const noise = stepNoise(7, 3, 0, 1, 5, attempt);
    return Array.from({ length: 8 }, () => noise());
  };
  assert.deepEqual(stream(1), stream());
  assert.deepEqual(stream(2), stream(2));
  assert.notDeepEqual(stream(2), stream(1));
  assert.notDeepEqual(stream(3), stream(2));
  // Over many steps a retry samples other tokens, not just other noise values.
  const tokens = (attempt: number) =>
    Array.from({ length: 50 }, (_, step) => sampleToken(logits, { temperature: 1 }, stepNoise(7, 3, 0, 1, step, attempt)));
  const same = tokens(1).filter((t, i) => t === tokens(2)[i]).length;
  assert.ok(same < 10, `attempt 2 repeats ${same} of 50 tokens of attempt 1`);
});
