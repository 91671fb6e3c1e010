// Models in the browser: a ref is demo:NAME (made here, seeded random weights), dropped:NAME (a checkpoint the
// user dropped), a Hugging Face repo[:file] or a URL (downloaded once with progress into Cache Storage).
// Each source is converted once; the converted graphs are cached under the source's sha256 + converter id.
import { ModelError } from "../core/errors.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { DESCRIPTOR, type ModelDescriptor } from "../models/convert/descriptor.ts";
import { converterFor } from "../models/convert/registry.ts";
import { demoCheckpoint } from "../models/demo/demo_models.ts";
import { hubFileUrl, parseModelRef, refLabel } from "../models/loading/model_ref.ts";

const CACHE = "ichigo-tts-models-v1";
const DROPPED = "https://dropped.local/";

/** The file a Hub repo ref without a file name means, per model kind. */
export const MODEL_FILES = { t2s: "t2s.model", s2a: "s2a.model", vocos: "pytorch_model.bin", codec: "model.safetensors" } as const;

export interface WebModel {
  descriptor: ModelDescriptor;
  read(file: string): Promise<Uint8Array>;
}

export type Progress = (label: string, loaded: number, total?: number) => void;

async function cache(): Promise<Cache | undefined> {
  try {
    return await caches.open(CACHE);
  } catch {
    return undefined; // no Cache Storage (e.g. an opaque origin): convert every time
  }
}

/** Keeps a dropped checkpoint so workers can load it as `dropped:NAME`. */
export async function storeDropped(name: string, bytes: Uint8Array): Promise<string> {
  const c = await cache();
  if (!c) throw new ModelError("this page cannot store dropped model files (no Cache Storage)");
  await c.put(DROPPED + encodeURIComponent(name), new Response(bytes as Uint8Array<ArrayBuffer>));
  return `dropped:${name}`;
}

async function download(url: string, label: string, onProgress?: Progress): Promise<Uint8Array> {
  const c = await cache();
  const hit = await c?.match(url);
  if (hit) return new Uint8Array(await hit.arrayBuffer());
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ModelError(`${label}: download failed (${(e as Error).message})`);
  }
  if (!res.ok || !res.body) throw new ModelError(`${label}: download failed (HTTP ${res.status})`);
  const total = Number(res.headers.get("content-length")) || undefined;
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    parts.push(chunk);
    loaded += chunk.length;
    onProgress?.(label, loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) bytes.set(p, (at += p.length) - p.length);
  await c?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>));
  return bytes;
}

async function sourceBytes(ref: string, defaultFile: string, hfEndpoint: string, onProgress?: Progress): Promise<Uint8Array> {
  if (ref.startsWith("dropped:")) {
    const hit = await (await cache())?.match(DROPPED + encodeURIComponent(ref.slice(8)));
    if (!hit) throw new ModelError(`${ref}: the dropped file is gone; drop it again`);
    return new Uint8Array(await hit.arrayBuffer());
  }
  const r = parseModelRef(ref);
  if (r.kind === "demo") return demoCheckpoint(r.name);
  if (r.kind === "path") throw new ModelError(`${ref}: a local path cannot be read from a web page; drop the file instead`);
  const url = r.kind === "url" ? r.url : hubFileUrl(hfEndpoint, r.repo, r.revision, r.file ?? defaultFile);
  return download(url, refLabel(r), onProgress);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function loadModel(
  ref: string,
  defaultFile: string,
  options: { bandwidth: number; hfEndpoint?: string; onProgress?: Progress; log?: (m: string) => void },
): Promise<WebModel> {
  const bytes = await sourceBytes(ref, defaultFile, options.hfEndpoint ?? "https://huggingface.co", options.onProgress);
  const sha = await sha256(bytes);
  const ck = loadCheckpoint(bytes, ref);
  const converter = converterFor(ck, ref);
  const key = `https://converted.local/${sha.slice(0, 16)}-${converter.id}-bw${options.bandwidth}/`;
  const c = await cache();
  const cachedDescriptor = await c?.match(key + DESCRIPTOR);
  if (cachedDescriptor) {
    return {
      descriptor: await cachedDescriptor.json(),
      read: async (f) => new Uint8Array(await (await c!.match(key + f))!.arrayBuffer()),
    };
  }
  options.log?.(`converting ${ref} (${converter.kind}) to ONNX…`);
  const random = ref.startsWith("demo:") || undefined;
  const { files, descriptor } = converter.convert(ck, { bandwidth: options.bandwidth, sourceSha256: sha, label: ref, randomWeights: random });
  if (c) {
    for (const [name, data] of Object.entries(files)) await c.put(key + name, new Response(data as Uint8Array<ArrayBuffer>));
    await c.put(key + DESCRIPTOR, Response.json(descriptor)); // last: its presence means the rest is there
  }
  return { descriptor, read: (f) => Promise.resolve(files[f]) };
}
