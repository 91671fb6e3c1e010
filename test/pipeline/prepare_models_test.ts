// The parent's one-time model preparation: downloads with progress in the log, converts, and a second
// preparation (or a worker afterwards) finds everything in the cache.
import assert from "node:assert/strict";
import { prepareModels } from "../../deno/prepare_models.ts";
import { MICRO_ENCODEC, randomEncodecStateDict } from "../../models/encodec/random_weights.ts";
import { startHubServer } from "../helpers/hub_server.ts";
import { safetensorsSave } from "../helpers/torch_save.ts";

Deno.test("prepareModels: one download with progress lines and one conversion; then all from the cache", async () => {
  const st = safetensorsSave(randomEncodecStateDict(MICRO_ENCODEC, 21, "huggingface"));
  const hub = await startHubServer({ models: { "facebook/encodec_24khz": { "model.safetensors": st } } });
  const cacheDir = await Deno.makeTempDir();
  const env = (k: string) => (k === "HF_ENDPOINT" ? hub.url : undefined);
  const spec = { models: { t2s: "demo:t2s", codec: "facebook/encodec_24khz", cacheDir }, bandwidth: 1.5 };
  try {
    const first: string[] = [];
    await prepareModels(spec, (m) => first.push(m), { env });
    assert.ok(first.some((m) => /^downloading .*encodec_24khz.*: \d+ MB of \d+ MB$/.test(m)), first.join("\n"));
    assert.deepEqual(first.filter((m) => m.startsWith("converting")).length, 2, first.join("\n"));
    const gets = hub.requests.filter((r) => r.method === "GET").length;
    const second: string[] = [];
    await prepareModels(spec, (m) => second.push(m), { env });
    assert.deepEqual(second, []);
    assert.equal(hub.requests.filter((r) => r.method === "GET").length, gets, "no second download");
  } finally {
    await hub.close();
  }
});

Deno.test("a damaged converted model in the cache (truncated .onnx, altered bytes) is converted again once, with a warning naming it", async () => {
  const cacheDir = await Deno.makeTempDir();
  const spec = { models: { codec: "demo:encodec", cacheDir }, bandwidth: 1.5 };
  await prepareModels(spec, () => {});
  const [folder] = [...Deno.readDirSync(`${cacheDir}/converted`)].map((e) => `${cacheDir}/converted/${e.name}`);
  const onnx = [...Deno.readDirSync(folder)].map((e) => e.name).find((n) => n.endsWith(".onnx"))!;
  const good = Deno.readFileSync(`${folder}/${onnx}`);
  for (const damage of [(b: Uint8Array) => b.slice(0, b.length >> 1), (b: Uint8Array) => b.map((x, i) => (i === b.length >> 1 ? x ^ 0xff : x))]) {
    Deno.writeFileSync(`${folder}/${onnx}`, damage(good));
    const log: string[] = [];
    await prepareModels(spec, (m) => log.push(m));
    assert.equal(log.filter((m) => m.startsWith(`warning: ${folder}: cached conversion is damaged (${onnx} `)).length, 1, log.join("\n"));
    assert.equal(log.filter((m) => m.startsWith("converting")).length, 1, log.join("\n"));
    assert.deepEqual(Deno.readFileSync(`${folder}/${onnx}`), good);
    const again: string[] = [];
    await prepareModels(spec, (m) => again.push(m));
    assert.deepEqual(again, []);
  }
});
