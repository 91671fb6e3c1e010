// The contract every Storage runs: atomic replace, absent reads, listing, nested paths, binary safety.
import assert from "node:assert/strict";
import type { Storage } from "../../core/sink/storage.ts";
import { fileDigests } from "../../core/sink/file_digests.ts";
import { sha256Hex } from "../../core/sha256.ts";

export function storageContract(name: string, make: () => Promise<Storage>) {
  Deno.test(`${name}: write then read returns the same bytes; absent is undefined`, async () => {
    const s = await make();
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    await s.write("a.bin", bytes);
    assert.deepEqual(await s.read("a.bin"), bytes);
    assert.equal(await s.read("missing.bin"), undefined);
  });
  Deno.test(`${name}: write replaces a file whole`, async () => {
    const s = await make();
    await s.write("f.txt", new TextEncoder().encode("a long first version of the file"));
    await s.write("f.txt", new TextEncoder().encode("short"));
    assert.equal(new TextDecoder().decode(await s.read("f.txt")), "short");
  });
  Deno.test(`${name}: list by prefix, nested paths, remove`, async () => {
    const s = await make();
    await s.write("audio_tokens_1.csv", new Uint8Array([1]));
    await s.write("audio_tokens_2.csv", new Uint8Array([2]));
    await s.write("quarantine/x.csv", new Uint8Array([3]));
    await s.write("manifest.json", new Uint8Array([4]));
    assert.deepEqual(await s.list!("audio_tokens_"), ["audio_tokens_1.csv", "audio_tokens_2.csv"]);
    assert.ok((await s.list!("")).includes("quarantine/x.csv"));
    await s.remove!("audio_tokens_1.csv");
    assert.deepEqual(await s.list!("audio_tokens_"), ["audio_tokens_2.csv"]);
  });
  Deno.test(`${name}: fileDigests gives each file's sha256 and size in the order asked; a missing file is missing`, async () => {
    const s = await make();
    const files = Array.from({ length: 20 }, (_, i) => [`d_${String(19 - i).padStart(2, "0")}.bin`, Uint8Array.from({ length: 3000 * i }, (_, j) => (j * i) % 251)] as const);
    for (const [path, bytes] of files) await s.write(path, bytes);
    const asked = [...files.map(([p]) => p), "absent.bin"];
    const got = [];
    for await (const d of fileDigests(s, asked)) got.push(d);
    assert.deepEqual(got, [
      ...await Promise.all(files.map(async ([path, bytes]) => ({ path, sha256: await sha256Hex(bytes), bytes: bytes.length }))),
      { path: "absent.bin", missing: true },
    ]);
  });
}
