// quarantine/: where a damaged or untrusted file of ours goes, never deleted, so a user can look at it.
import type { Storage } from "./storage.ts";

export const QUARANTINE = "quarantine";

/** Moves `file` to quarantine/ (a free name: an earlier file of the same name is kept), then removes it. */
export async function quarantine(storage: Storage, file: string): Promise<string | undefined> {
  const bytes = await storage.read(file);
  if (!bytes) return undefined;
  const taken = new Set(storage.list ? await storage.list(`${QUARANTINE}/`) : []);
  let target = `${QUARANTINE}/${file}`;
  for (let n = 2; taken.has(target); n++) target = `${QUARANTINE}/${file}.${n}`;
  await storage.write(target, bytes);
  await storage.remove?.(file);
  return target;
}
