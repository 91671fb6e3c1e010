import assert from "node:assert/strict";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { StorageError } from "../../core/errors.ts";
import { FsStorage } from "../../deno/fs_storage.ts";
import { storageContract } from "../contracts/storage_contract.ts";

storageContract("MemoryStorage", () => Promise.resolve(new MemoryStorage()));
storageContract("FsStorage", async () => FsStorage.open(await Deno.makeTempDir({ prefix: "fs_storage_" })));

Deno.test("FsStorage removes only its own temp files of its own outputs, and only when asked (after the lock and job check)", async () => {
  const dir = await Deno.makeTempDir();
  const own = "audio_tokens_000000000_000000009.csv.ichigo-tmp.123.abcd0123";
  const keep = ["notes.tmp.backup", "thesis.tmp.final.docx", "audio_tokens_1.csv.tmp.123.abcd", "mine.csv.ichigo-tmp.1.abcd0123"];
  for (const f of [own, ...keep]) await Deno.writeTextFile(`${dir}/${f}`, "x");
  const s = await FsStorage.open(dir);
  assert.ok((await Deno.stat(`${dir}/${own}`)).isFile, "open alone removes nothing");
  assert.deepEqual(await s.removeOwnTemps(), [own]);
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(left, [...keep].sort());
});

Deno.test("FsStorage refuses an unwritable folder; openReadOnly never creates one", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/blocker`, "x");
  await assert.rejects(FsStorage.open(`${dir}/blocker/sub`), (e: Error) => e instanceof StorageError && /blocker\/sub: save_dir is not writable/.test(e.message));
  await assert.rejects(FsStorage.openReadOnly(`${dir}/typo`), (e: Error) => e instanceof StorageError && /typo: save_dir not found/.test(e.message));
  assert.throws(() => Deno.statSync(`${dir}/typo`), Deno.errors.NotFound);
  const s = await FsStorage.open(dir);
  await Deno.chmod(dir, 0o500);
  try {
    if (Deno.uid() !== 0) await assert.rejects(FsStorage.open(dir), StorageError);
    else await assert.rejects(s.write("x/\0bad", new Uint8Array([1])), StorageError);
  } finally {
    await Deno.chmod(dir, 0o700);
  }
});

Deno.test("FsStorage never writes through a planted quarantine -> elsewhere symlink", async () => {
  const dir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  await Deno.symlink(elsewhere, `${dir}/quarantine`);
  const s = await FsStorage.open(dir);
  await assert.rejects(s.write("quarantine/audio_tokens_x.csv", new Uint8Array([1])), (e: Error) => e instanceof StorageError && /quarantine: is a symbolic link; refusing/.test(e.message));
  assert.deepEqual([...Deno.readDirSync(elsewhere)], []);
});
