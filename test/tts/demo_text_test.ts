// The demo models must exercise the text path: different texts give different tokens (with the same noise),
// longer texts give longer audio, and in a pipeline run a changed text changes only its own row's tokens.
import assert from "node:assert/strict";
import { resolveConfig } from "../../core/config/load.ts";
import { nullLogger } from "../../core/log.ts";
import { runPipeline } from "../../core/pipeline.ts";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { JsonlSource } from "../../core/source/delimited_source.ts";
import { ParquetSource } from "../../core/source/parquet_source.ts";
import * as realEngines from "../../deno/engines.ts";
import { asyncBufferFromPath } from "../../deno/file_buffer.ts";
import { demoSemanticTokens } from "../../models/demo/demo_length.ts";
import { generateT2S } from "../../models/whisperspeech/generate_t2s.ts";
import { cpsBin, textSlots } from "../../models/whisperspeech/text.ts";
import type { WhisperSpeechTts } from "../../models/whisperspeech/tts_engine.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const cacheDir = await Deno.makeTempDir({ prefix: "demo_text_" });
const models = { t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec", cacheDir };

const sample = await ParquetSource.open("sample", [await asyncBufferFromPath(`${ROOT}/data/sample_prompts.parquet`)], { text: "prompt", index: "index" });
const prompts: { index: number; text: string }[] = [];
for await (const r of sample.read()) prompts.push({ index: r.index, text: r.text });

/** Spearman's rank correlation (average ranks for ties). */
function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1].value === order[i].value) j++;
      for (let k = i; k <= j; k++) r[order[k].i] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [rx, ry] = [rank(x), rank(y)];
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let sxy = 0, sx = 0, sy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sx += (rx[i] - mx) ** 2;
    sy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sx * sy);
}

Deno.test("demo models over the 100 sample prompts: texts steer the semantic tokens; longer text, longer audio", async () => {
  const engines = await realEngines.createEngines({ models, device: "cpu", bandwidth: 1.5, workerId: 0 });
  const tts = engines.tts as WhisperSpeechTts;
  try {
    assert.equal(prompts.length, 100);
    // The same noise for every prompt (item 0): only the text differs.
    const stoks = await generateT2S(
      tts.models.t2s,
      prompts.map((p) => ({ text: textSlots(p.text), language: 0, cpsBin: cpsBin(15), seed: 0, item: 0, piece: 0, maxTokens: demoSemanticTokens(p.text, 15) })),
      { temperature: 0.7, batchSize: 16 },
    );
    let agreement = 0, pairs = 0;
    for (let i = 0; i < stoks.length; i++) {
      for (let j = i + 1; j < stoks.length; j++) {
        const a = stoks[i], b = stoks[j];
        if (a instanceof Error || b instanceof Error) throw a instanceof Error ? a : b;
        const n = Math.min(a.length, b.length);
        let same = 0;
        for (let k = 0; k < n; k++) if (a[k] === b[k]) same++;
        agreement += same / n;
        pairs++;
      }
    }
    const mean = agreement / pairs;
    assert.ok(mean < 0.2, `two prompts' semantic tokens agree at ${(100 * mean).toFixed(1)}% of positions`);

    // As the pipeline makes them: each row its own index; a row that fails its first try is retried.
    const results = await tts.synthesize(prompts, { seed: 0, temperature: 0.7 });
    const retried = await tts.synthesize(prompts.filter((_, i) => !results[i].ok).map((p) => ({ ...p, attempt: 2 })), { seed: 0, temperature: 0.7 });
    const seconds = new Map<number, number>();
    for (const r of [...results, ...retried]) if (r.ok) seconds.set(r.index, r.pcm.length / r.sampleRate);
    assert.ok(seconds.size >= 98, `${seconds.size} of 100 rows made audio`);
    const done = prompts.filter((p) => seconds.has(p.index));
    const rho = spearman(done.map((p) => [...p.text].length), done.map((p) => seconds.get(p.index)!));
    assert.ok(rho >= 0.5, `Spearman(text length, seconds of audio) = ${rho.toFixed(3)}`);
  } finally {
    await engines.tts.dispose();
    await engines.codec.dispose();
  }
});

Deno.test("pipeline with the demo models: two datasets that differ in one row's text differ only in that row's tokens", async () => {
  const rows = prompts.slice(0, 6);
  const jsonl = (changed: boolean) =>
    rows.map((p, i) => JSON.stringify({ index: p.index, prompt: changed && i === 3 ? `${p.text} And one more clause.` : p.text })).join("\n");
  const tokensOf = async (changed: boolean) => {
    const storage = new MemoryStorage();
    const config = resolveConfig({
      dataset: { name: "d.jsonl" },
      processing: { devices: ["cpu"], save_batch_size: 6, batch_size: 3, max_retries: 3 },
    }, {});
    const summary = await runPipeline(config, {
      source: new JsonlSource("d.jsonl", jsonl(changed), { text: "prompt", index: "index" }),
      storage,
      factory: inProcessFactory({ models, bandwidth: 1.5 }, [], realEngines),
      logger: nullLogger,
    });
    assert.equal(summary.done, 6);
    const out = new Map<number, string>();
    for (const [name, bytes] of storage.files) {
      if (name.startsWith("audio_tokens_")) for (const r of decodeCsv(bytes)) out.set(r.index, Array.from(r.tokens).join(","));
    }
    return out;
  };
  const [a, b] = [await tokensOf(false), await tokensOf(true)];
  const changedIndex = rows[3].index;
  assert.deepEqual([...a.keys()].sort(), rows.map((r) => r.index).sort());
  for (const r of rows) {
    if (r.index === changedIndex) assert.notEqual(a.get(r.index), b.get(r.index), "the changed text changes its row");
    else assert.equal(a.get(r.index), b.get(r.index), `row ${r.index} is untouched`);
  }
  await Deno.remove(cacheDir, { recursive: true });
});
