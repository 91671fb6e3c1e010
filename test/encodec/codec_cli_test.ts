// The codec CLIs and model loading, end to end: checkpoints in the original formats, a local Hub stand-in.
import assert from "node:assert/strict";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { f32, safetensorsSave, stateDict, torchSave } from "../helpers/torch_save.ts";
import { MICRO_ENCODEC, randomEncodecStateDict, seededRandom } from "../../models/encodec/random_weights.ts";
import { encodeEmbeddings, quantize } from "../../models/encodec/reference.ts";
import { readEncodec } from "../../models/encodec/weights.ts";
import { writeWav } from "../../models/audio/wav.ts";
import { startHubServer } from "../helpers/hub_server.ts";
import { loadEncodec } from "../../deno/codec_loader.ts";

const dir = Deno.makeTempDirSync({ prefix: "codec_cli_" });
const th = torchSave(stateDict(randomEncodecStateDict(MICRO_ENCODEC, 11, "original")));
Deno.writeFileSync(`${dir}/encodec_micro.th`, th);
const pcm = Float32Array.from({ length: 4000 }, (_, i) => 0.4 * Math.sin(i / 9) + 0.1 * seededRandom(5)());
Deno.writeFileSync(`${dir}/a.wav`, writeWav(pcm, 24000));

async function cli(script: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../../deno/cli/${script}.ts`, import.meta.url).pathname, ...args],
    env: { NO_COLOR: "1", ICHIGO_CACHE: `${dir}/cache`, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function expectedTokens(bytes: Uint8Array, samples: Float32Array): number[] {
  const w = readEncodec(loadCheckpoint(bytes).tensors);
  const codes = quantize(w, encodeEmbeddings(w, samples), 2);
  return Array.from({ length: codes[0].length * 2 }, (_, i) => codes[i % 2][Math.floor(i / 2)]);
}

Deno.test("tokenize prints interleaved tokens equal to the reference; convert + detokenize round the loop", async () => {
  const t = await cli("tokenize", [`${dir}/a.wav`, "--codec", `${dir}/encodec_micro.th`]);
  assert.equal(t.code, 0, t.stderr);
  const tokens = JSON.parse(t.stdout);
  assert.deepEqual(tokens, expectedTokens(th, pcm));
  assert.equal(tokens.length, 2 * Math.ceil(4000 / 320));
  const c = await cli("convert", [`${dir}/encodec_micro.th`, "--out", `${dir}/converted`]);
  assert.equal(c.code, 0, c.stderr);
  const desc = JSON.parse(Deno.readTextFileSync(`${dir}/converted/model.json`));
  assert.equal(desc.kind, "encodec");
  assert.match(desc.source_sha256, /^[0-9a-f]{64}$/);
  Deno.writeTextFileSync(`${dir}/tokens.json`, t.stdout);
  const d = await cli("detokenize", [`${dir}/tokens.json`, "--codec", `${dir}/converted`, "--out", `${dir}/back.wav`]);
  assert.equal(d.code, 0, d.stderr);
  assert.ok(Deno.statSync(`${dir}/back.wav`).size > 320 * 13 * 4);
  // A converted folder tokenizes the same as the checkpoint it came from.
  const t2 = await cli("tokenize", [`${dir}/a.wav`, "--codec", `${dir}/converted`, "--device", "wasm"]);
  assert.deepEqual(JSON.parse(t2.stdout), tokens);
});

Deno.test("model refs on the Hub: HF_ENDPOINT + HF_TOKEN, downloaded once, converted once", async () => {
  const st = safetensorsSave(randomEncodecStateDict(MICRO_ENCODEC, 12, "huggingface"));
  const hub = await startHubServer({ models: { "facebook/encodec_24khz": { "model.safetensors": st } }, requireToken: "hf_tok_abc" });
  const cache = await Deno.makeTempDir();
  const env = (k: string) => ({ HF_ENDPOINT: hub.url, HF_TOKEN: "hf_tok_abc" } as Record<string, string>)[k];
  const progress: number[] = [];
  try {
    const a = await loadEncodec("facebook/encodec_24khz", "cpu", 1.5, { cacheDir: cache, env, onProgress: (_, l) => progress.push(l) });
    const got = await a.codec.encode(pcm, 24000);
    assert.deepEqual(Array.from(got), expectedTokens(st, pcm));
    await a.codec.dispose();
    const downloads = hub.requests.filter((r) => r.method === "GET").length;
    assert.ok(progress.length > 0 && progress[progress.length - 1] === st.length);
    const b = await loadEncodec("facebook/encodec_24khz", "cpu", 1.5, { cacheDir: cache, env });
    await b.codec.dispose();
    assert.equal(hub.requests.filter((r) => r.method === "GET").length, downloads, "second load used the cache");
    assert.equal(a.model.dir, b.model.dir);
    assert.ok(hub.requests.every((r) => r.authorization === "Bearer hf_tok_abc"));
    const noTok = await loadEncodec("facebook/other", "cpu", 1.5, { cacheDir: cache, env: (k) => (k === "HF_ENDPOINT" ? hub.url : undefined) }).catch((e) => e);
    assert.match(noTok.message, /access denied \(HTTP 401\); set HF_TOKEN/);
    const missing = await loadEncodec("facebook/nope", "cpu", 1.5, { cacheDir: cache, env }).catch((e) => e);
    assert.match(missing.message, /not found \(HTTP 404\)/);
    assert.ok(!missing.message.includes("hf_tok_abc"));
  } finally {
    await hub.close();
  }
});

Deno.test("concurrent loads of one model in one process (workers share a pid) all succeed, leaving no temp files", async () => {
  const st = safetensorsSave(randomEncodecStateDict(MICRO_ENCODEC, 13, "huggingface"));
  const hub = await startHubServer({ models: { "facebook/encodec_24khz": { "model.safetensors": st } } });
  const cache = await Deno.makeTempDir();
  const env = (k: string) => (k === "HF_ENDPOINT" ? hub.url : undefined);
  try {
    // Downloads racing each other, then conversions of a local checkpoint racing each other.
    const hubLoads = await Promise.all([0, 1, 2].map(() => loadEncodec("facebook/encodec_24khz", "cpu", 1.5, { cacheDir: cache, env })));
    const localLoads = await Promise.all([0, 1, 2].map(() => loadEncodec(`${dir}/encodec_micro.th`, "cpu", 1.5, { cacheDir: cache, env })));
    for (const [loads, bytes] of [[hubLoads, st], [localLoads, th]] as const) {
      for (const l of loads) {
        assert.deepEqual(Array.from(await l.codec.encode(pcm, 24000)), expectedTokens(bytes, pcm));
        await l.codec.dispose();
      }
    }
    const leftovers: string[] = [];
    const walk = async (d: string) => {
      for await (const e of Deno.readDir(d)) {
        if (e.name.includes(".ichigo-tmp.")) leftovers.push(`${d}/${e.name}`);
        if (e.isDirectory) await walk(`${d}/${e.name}`);
      }
    };
    await walk(cache);
    assert.deepEqual(leftovers, []);
  } finally {
    await hub.close();
  }
});

Deno.test("bad input to the codec CLIs: one clear line, non-zero exit", async () => {
  Deno.writeTextFileSync(`${dir}/notwav.wav`, "RIFF? no.");
  Deno.writeFileSync(`${dir}/cut.th`, th.subarray(0, th.length / 2));
  Deno.writeFileSync(`${dir}/other.th`, torchSave(stateDict({ "fc.weight": f32([1], [1]) })));
  const cases: [string, string[], RegExp][] = [
    ["tokenize", [`${dir}/notwav.wav`, "--codec", `${dir}/encodec_micro.th`], /notwav\.wav: not a readable WAV file/],
    ["tokenize", [`${dir}/a.wav`, "--codec", `${dir}/cut.th`], /cut\.th: not a valid checkpoint archive/],
    ["tokenize", [`${dir}/a.wav`, "--codec", `${dir}/other.th`], /other\.th: not a model this tool can convert/],
    ["tokenize", [`${dir}/missing.wav`, "--codec", `${dir}/encodec_micro.th`], /missing\.wav: audio file not found/],
    ["convert", [`${dir}/a.wav`, "--out", `${dir}/x`], /a\.wav: not a checkpoint/],
    ["detokenize", [`${dir}/a.wav`, "--codec", `${dir}/encodec_micro.th`, "--out", `${dir}/y.wav`], /not a JSON token list/],
  ];
  for (const [script, args, pattern] of cases) {
    const r = await cli(script, args);
    assert.equal(r.code, 2, `${script} ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr.trim().split("\n").pop()!, pattern);
  }
});
