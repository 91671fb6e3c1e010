// The dataset survives a reload: a dropped file is copied into the Origin Private File System (dataset/), a Hub
// dataset is remembered by name; localStorage says which, with the original file's identity.
import { opfsFolder } from "./opfs_storage.ts";

const KEY = "ichigo-tts-tokens.dataset";

type Kept = { kind: "file"; name: string; identity: string } | { kind: "hub"; name: string; split: string };

export async function keepFile(file: File, identity: string) {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry("dataset", { recursive: true }).catch(() => {});
  localStorage.removeItem(KEY); // until the copy is complete, nothing half-copied is offered
  const dir = (await opfsFolder("dataset", true))!;
  const w = await (await dir.getFileHandle(file.name, { create: true })).createWritable();
  await file.stream().pipeTo(w);
  localStorage.setItem(KEY, JSON.stringify({ kind: "file", name: file.name, identity } satisfies Kept));
}

export function keepHub(name: string, split: string) {
  localStorage.setItem(KEY, JSON.stringify({ kind: "hub", name, split } satisfies Kept));
}

/** The kept dataset: a File (with the original's identity) or a Hub name, or undefined. */
export async function keptDataset(): Promise<{ file: File; identity: string } | { hub: string; split: string } | undefined> {
  let kept: Kept;
  try {
    kept = JSON.parse(localStorage.getItem(KEY) ?? "null");
  } catch {
    return undefined;
  }
  if (kept?.kind === "hub" && typeof kept.name === "string") return { hub: kept.name, split: String(kept.split || "train") };
  if (kept?.kind !== "file" || typeof kept.name !== "string") return undefined;
  try {
    const handle = await (await opfsFolder("dataset", false))?.getFileHandle(kept.name);
    return handle ? { file: await handle.getFile(), identity: String(kept.identity) } : undefined;
  } catch {
    return undefined;
  }
}
