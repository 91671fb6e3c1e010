// `deno task detokenize <tokens.json> --codec <ref|dir> --out x.wav [--bandwidth 1.5] [--device cpu]`:
// interleaved tokens (a JSON array, or a row's `tokens` field) -> 24 kHz float WAV.
import { parseArgs } from "node:util";
import { ConfigError, InputError } from "../../core/errors.ts";
import { writeWav } from "../../models/audio/wav.ts";
import { loadEncodec } from "../codec_loader.ts";
import { progressPrinter, runCli } from "./common.ts";

const USAGE = "Usage: deno task detokenize <tokens.json> --codec <ref|dir> --out x.wav [--bandwidth 1.5] [--device cpu|wasm|webgpu]";

await runCli(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { codec: { type: "string" }, out: { type: "string" }, bandwidth: { type: "string" }, device: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length !== 1 || !values.out) throw new ConfigError(USAGE);
  let tokens: unknown;
  try {
    tokens = JSON.parse(await Deno.readTextFile(positionals[0]));
  } catch (e) {
    throw new InputError(`${positionals[0]}: not a JSON token list (${(e as Error).message})`);
  }
  if (!Array.isArray(tokens) || tokens.some((t) => !Number.isInteger(t))) throw new InputError(`${positionals[0]}: expected a JSON array of integers`);
  const { codec } = await loadEncodec(values.codec ?? "facebook/encodec_24khz", values.device ?? "cpu", Number(values.bandwidth ?? 1.5), {
    onProgress: progressPrinter(),
    log: (m) => console.error(m),
  });
  if (tokens.length % codec.codebooks !== 0) throw new InputError(`${positionals[0]}: ${tokens.length} tokens do not split into ${codec.codebooks} codebooks`);
  let pcm: Float32Array;
  try {
    pcm = await codec.decode(Int32Array.from(tokens as number[]));
  } catch (e) {
    throw new InputError(`${positionals[0]}: ${(e as Error).message}`);
  }
  await Deno.writeFile(values.out, writeWav(pcm, codec.sampleRate));
  console.error(`${values.out}: ${(pcm.length / codec.sampleRate).toFixed(2)} s at ${codec.sampleRate} Hz`);
  await codec.dispose();
});
