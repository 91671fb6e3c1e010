// Where a scale-out job's output lives: every host writes its ranges' shards there. A shared file system (NFS, a
// mounted bucket) works as it is. An object store plugs in here: implement Storage (core/sink/storage.ts) for it
// and return it for its URL scheme (README "Scale out on NATS").
import { ConfigError } from "../../core/errors.ts";
import { FsStorage } from "../fs_storage.ts";

/** The folder path of a save_dir given as a path or a file:// URL (other schemes are refused). */
export function sharedDir(saveDir: string): string {
  const scheme = saveDir.match(/^([a-z][a-z0-9+.-]*):\/\//i)?.[1];
  if (scheme && scheme !== "file") {
    throw new ConfigError(`${saveDir}: no output storage for ${scheme}:// yet; mount it as a folder, or add one (README "Scale out on NATS")`, "processing.save_dir");
  }
  return scheme ? saveDir.slice("file://".length) : saveDir;
}

/** A worker's view of the shared output: it writes only its ranges' files and never cleans up (the
 * coordinator, which holds the folder's lock, does that). */
export async function openSharedStorage(saveDir: string): Promise<FsStorage> {
  return await FsStorage.open(sharedDir(saveDir));
}
