// `deno task speak "<text>" --out x.wav [--t2s REF] [--s2a REF] [--vocos REF] [--codec REF] [--models DIR]
//   [--demo] [--device cpu|wasm|webgpu] [--temperature T] [--top-k K] [--seed N] [--speaker NAME|file]
//   [--lang en] [--cps 15] [--long-text split|truncate|fail] [--dump DIR]`
// Synthesizes one text; --dump writes every intermediate: stoks.json, atoks.json, audio.wav, tokens.json.
import { parseArgs } from "node:util";
import { DEFAULT_MODELS } from "../../core/config/load.ts";
import { ConfigError, InputError } from "../../core/errors.ts";
import { writeWav } from "../../models/audio/wav.ts";
import { parseSpeakerFile, SPEAKER_PRESETS } from "../../models/whisperspeech/speakers.ts";
import { WhisperSpeechTts } from "../../models/whisperspeech/tts_engine.ts";
import { createEngines } from "../engines.ts";
import { runCli } from "./common.ts";

const USAGE = `Usage: deno task speak "<text>" --out x.wav [--t2s REF] [--s2a REF] [--vocos REF] [--codec REF] [--models DIR] [--demo]
  [--device cpu|wasm|webgpu] [--temperature T] [--top-k K] [--seed N] [--speaker NAME|file] [--lang en] [--cps 15]
  [--long-text split|truncate|fail] [--dump DIR]`;

const number = (v: string | undefined, flag: string, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`--${flag}: expected a number, got "${v}"`);
  return n;
};

await runCli(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      ...Object.fromEntries(
        ["out", "t2s", "s2a", "vocos", "codec", "models", "device", "temperature", "top-k", "seed", "speaker", "lang", "cps", "long-text", "dump"]
          .map((k) => [k, { type: "string" as const }]),
      ),
      demo: { type: "boolean" },
      help: { type: "boolean" },
    },
    allowPositionals: true,
  });
  const v = values as Record<string, string | undefined> & { demo?: boolean; help?: boolean };
  if (v.help) return console.log(USAGE);
  if (positionals.length !== 1 || (!v.out && !v.dump)) throw new ConfigError(USAGE);
  const longText = v["long-text"] ?? "split";
  if (!["split", "truncate", "fail"].includes(longText)) throw new ConfigError(`--long-text: expected split, truncate or fail, got "${longText}"`);
  const from = (kind: "t2s" | "s2a" | "vocos" | "codec", demo: string) =>
    v[kind] ?? (v.models ? `${v.models.replace(/\/+$/, "")}/${kind}` : v.demo ? demo : DEFAULT_MODELS[kind]);
  const models = { t2s: from("t2s", "demo:t2s"), s2a: from("s2a", "demo:s2a"), vocos: from("vocos", "demo:vocos"), codec: from("codec", "demo:encodec") };
  let speaker: string | Float32Array | undefined = v.speaker;
  if (speaker && !SPEAKER_PRESETS.includes(speaker)) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(speaker);
    } catch {
      throw new InputError(`--speaker: "${speaker}" is neither a preset (${SPEAKER_PRESETS.join(", ")}) nor a readable file`);
    }
    speaker = parseSpeakerFile(bytes, speaker);
  }
  const device = v.device ?? "cpu";
  const engines = await createEngines({ models, device, bandwidth: 1.5, workerId: 0 }, (m) => console.error(m));
  const tts = engines.tts as WhisperSpeechTts;
  console.error(`synthesizing on ${engines.description}`);
  const t0 = performance.now();
  const [result] = await tts.synthesizeDetailed([{ index: 0, text: positionals[0] }], {
    speaker,
    lang: v.lang,
    cps: number(v.cps, "cps", 15),
    temperature: number(v.temperature, "temperature", 0.7),
    topK: v["top-k"] ? number(v["top-k"], "top-k", 0) : undefined,
    seed: number(v.seed, "seed", 0),
    longText: longText as "split",
  });
  if (!result.ok) throw result.error;
  const seconds = result.pcm.length / tts.sampleRate;
  const tokens = await engines.codec.encode(result.pcm, tts.sampleRate);
  console.error(`${seconds.toFixed(2)} s of audio in ${((performance.now() - t0) / 1000).toFixed(2)} s (${result.pieces.length} piece(s)), ${tokens.length} EnCodec tokens`);
  const wav = writeWav(result.pcm, tts.sampleRate);
  if (v.out) await Deno.writeFile(v.out, wav);
  if (v.dump) {
    await Deno.mkdir(v.dump, { recursive: true });
    const one = result.pieces.length === 1;
    const stoks = result.pieces.map((p) => Array.from(p.stoks));
    const atoks = result.pieces.map((p) => Array.from({ length: p.atoks.quantizers }, (_, q) => Array.from(p.atoks.codes.subarray(q * p.atoks.frames, (q + 1) * p.atoks.frames))));
    await Deno.writeTextFile(`${v.dump}/stoks.json`, JSON.stringify(one ? stoks[0] : stoks));
    await Deno.writeTextFile(`${v.dump}/atoks.json`, JSON.stringify(one ? atoks[0] : atoks));
    await Deno.writeFile(`${v.dump}/audio.wav`, wav);
    await Deno.writeTextFile(`${v.dump}/tokens.json`, JSON.stringify(Array.from(tokens)));
  }
  await engines.tts.dispose();
  await engines.codec.dispose();
});
