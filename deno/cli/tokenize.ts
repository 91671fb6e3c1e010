// `deno task tokenize <audio.wav> --codec <ref|dir> [--bandwidth 1.5] [--device cpu|wasm|webgpu]`
// prints the interleaved EnCodec tokens as a JSON array.
import { parseArgs } from "node:util";
import { ConfigError, InputError } from "../../core/errors.ts";
import { readWav } from "../../models/audio/wav.ts";
import { loadEncodec } from "../codec_loader.ts";
import { progressPrinter, runCli } from "./common.ts";

const USAGE = "Usage: deno task tokenize <audio.wav> --codec <ref|dir> [--bandwidth 1.5] [--device cpu|wasm|webgpu]";

await runCli(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { codec: { type: "string" }, bandwidth: { type: "string" }, device: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length !== 1) throw new ConfigError(USAGE);
  const path = positionals[0];
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    throw new InputError(`${path}: audio file not found`);
  }
  const audio = readWav(bytes, path);
  const { codec, runtime } = await loadEncodec(values.codec ?? "facebook/encodec_24khz", values.device ?? "cpu", Number(values.bandwidth ?? 1.5), {
    decoder: false,
    onProgress: progressPrinter(),
    log: (m) => console.error(m),
  });
  console.error(`encoding ${path} (${audio.sampleRate} Hz, ${(audio.samples.length / audio.sampleRate).toFixed(2)} s) on ${runtime.description}`);
  const tokens = await codec.encode(audio.samples, audio.sampleRate);
  console.log(JSON.stringify(Array.from(tokens)));
  await codec.dispose();
});
