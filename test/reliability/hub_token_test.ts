// HF_TOKEN goes to the configured Hub endpoint only: a listing that names files on another host (a second local
// server here) gets them fetched without the token, unless the user allows that host (HF_TOKEN_HOSTS).
import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { openTextSource } from "../../deno/open_source.ts";
import { tokenGoesTo } from "../../core/source/hf_dataset.ts";
import { startHubServer } from "../helpers/hub_server.ts";

const TOKEN = "hf_SECRET_abc123";
const parquet = new Uint8Array(parquetWriteBuffer({
  columnData: [
    { name: "index", data: BigInt64Array.from([0n, 1n]), type: "INT64" },
    { name: "prompt", data: ["one", "two"], type: "STRING" },
  ],
}));

/** A Hub whose listing points at `other`'s files; records the Authorization header of every request. */
function listingHub(other: () => string) {
  const auth: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    auth.push(req.headers.get("authorization"));
    return Response.json([`${other()}/datasets/org/data/resolve/${encodeURIComponent("refs/convert/parquet")}/default/train/0000.parquet`]);
  });
  return { url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`, auth, close: () => server.shutdown() };
}

Deno.test("HF_TOKEN never reaches a second host named in the Hub's listing; HF_TOKEN_HOSTS allows one explicitly", async () => {
  const files = await startHubServer({ datasets: [{ repo: "org/data", subset: "default", split: "train", files: [parquet] }] });
  const hub = listingHub(() => files.url);
  const dataset = { name: "org/data", split: "train", text_column: "prompt", index_column: "index" };
  try {
    const env = (extra: Record<string, string>) => (k: string) => ({ HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN, ...extra })[k];
    const rows = [];
    for await (const r of (await openTextSource(dataset, { env: env({}) })).read()) rows.push(r);
    assert.equal(rows.length, 2, "the files are still read, without the token");
    assert.deepEqual(hub.auth, [`Bearer ${TOKEN}`], "the endpoint gets the token");
    assert.ok(files.requests.length > 0);
    assert.ok(files.requests.every((r) => r.authorization === undefined), "the other host never sees it");

    files.requests.length = 0;
    const allowed = await openTextSource(dataset, { env: env({ HF_TOKEN_HOSTS: new URL(files.url).host }) });
    for await (const _ of allowed.read()) { /* read all */ }
    assert.ok(files.requests.every((r) => r.authorization === `Bearer ${TOKEN}`), "an allowed host gets it");
  } finally {
    await hub.close();
    await files.close();
  }
});

Deno.test("tokenGoesTo: the endpoint's origin, or hosts listed; never a downgrade to http or another port", () => {
  const ok = tokenGoesTo("https://huggingface.co", "cdn.example.org, 127.0.0.1:8080");
  assert.ok(ok("https://huggingface.co/datasets/x/resolve/a.parquet"));
  assert.ok(!ok("http://huggingface.co/a"), "not over plain http");
  assert.ok(!ok("https://evil.example/a"));
  assert.ok(!ok("https://huggingface.co.evil.example/a"));
  assert.ok(ok("https://cdn.example.org/a"));
  assert.ok(ok("http://127.0.0.1:8080/a"));
  assert.ok(!ok("http://127.0.0.1:8081/a"));
  assert.ok(!ok("not a url"));
});
