// Where a scale-out job's output lives: every host writes its ranges' shards there. A shared file system (NFS, a
// mounted bucket) works as it is. An object store plugs in here: implement Storage (core/sink/storage.ts) for it
// and return it for its URL scheme (README "Scale out on NATS").
import { ConfigError } from "../../core/errors.ts";
import type { Storage } from "../../core/sink/storage.ts";
import { FsStorage } from "../fs_storage.ts";

export async function openSharedStorage(saveDir: string): Promise<Storage> {
  const scheme = saveDir.match(/^([a-z][a-z0-9+.-]*):\/\//i)?.[1];
  if (scheme && scheme !== "file") {
    throw new ConfigError(`${saveDir}: no output storage for ${scheme}:// yet; mount it as a folder, or add one (README "Scale out on NATS")`, "processing.save_dir");
  }
  return await FsStorage.open(scheme ? saveDir.slice("file://".length) : saveDir, { shared: true });
}
