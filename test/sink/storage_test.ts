import assert from "node:assert/strict";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { StorageError } from "../../core/errors.ts";
import { FsStorage } from "../../deno/fs_storage.ts";
import { storageContract } from "../contracts/storage_contract.ts";

storageContract("MemoryStorage", () => Promise.resolve(new MemoryStorage()));
storageContract("FsStorage", async () => FsStorage.open(await Deno.makeTempDir({ prefix: "fs_storage_" })));

Deno.test("FsStorage removes temp files a killed run left and refuses an unwritable folder", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/audio_tokens_1.csv.tmp.123.abcd`, "torn");
  const s = await FsStorage.open(dir);
  assert.deepEqual(await s.list(""), []);
  await Deno.writeTextFile(`${dir}/blocker`, "x");
  await assert.rejects(FsStorage.open(`${dir}/blocker/sub`), (e: Error) => e instanceof StorageError && /blocker\/sub: save_dir is not writable/.test(e.message));
  await Deno.chmod(dir, 0o500);
  try {
    if (Deno.uid() !== 0) await assert.rejects(FsStorage.open(dir), StorageError);
    else await assert.rejects(s.write("x/\0bad", new Uint8Array([1])), StorageError);
  } finally {
    await Deno.chmod(dir, 0o700);
  }
});
