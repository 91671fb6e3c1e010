// Model loading under Deno: resolve a ref (Hub repo/file, URL, local path), download once into the cache
// (atomically, with progress; HF_ENDPOINT and HF_TOKEN honoured, the token never logged), convert once, and
// reuse the converted ONNX graphs, keyed by the sha256 of the source and the converter version.
import { ModelError } from "../core/errors.ts";
import { uniqueTempName, writeSynced } from "./durable_file.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { DESCRIPTOR, encodeDescriptor, type ModelDescriptor } from "../models/convert/descriptor.ts";
import { type ConvertOptions, converterFor } from "../models/convert/registry.ts";
import { demoCheckpoint } from "../models/demo/demo_models.ts";
import { hubFileUrl, type ModelRef, parseModelRef, refLabel } from "../models/loading/model_ref.ts";
import { sha256Hex } from "../core/sha256.ts";

export interface StoreOptions {
  cacheDir?: string;
  env?: (name: string) => string | undefined;
  fetch?: typeof fetch;
  /** Download progress: bytes so far and the total when known. */
  onProgress?: (label: string, loaded: number, total?: number) => void;
  log?: (message: string) => void;
  /** Check the sha256 of every file of a cached conversion (sizes are always checked); the process that
   * prepares models for the workers does, once per run. */
  verify?: boolean;
}

/** Per-file sizes and sha256 of a converted folder, written with it, so a damaged cache entry is noticed. */
const CHECKSUMS = "checksums.json";

export interface ConvertedModel {
  dir: string;
  descriptor: ModelDescriptor;
  read(file: string): Promise<Uint8Array>;
}

export function defaultCacheDir(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string {
  const explicit = env("ICHIGO_CACHE");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  const home = env("HOME") ?? ".";
  return `${xdg || `${home}/.cache`}/ichigo-tts-tokens`;
}

const exists = async (p: string) => {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
};

/** Bytes of the source checkpoint for `ref`, downloaded into the cache when remote. Returns its local path. */
export async function fetchSource(refText: string, defaultFile: string, options: StoreOptions = {}): Promise<string> {
  const ref = parseModelRef(refText);
  if (ref.kind === "demo") throw new ModelError(`${refText}: a demo model has no source file (it is generated)`);
  if (ref.kind === "path") {
    const p = ref.path.replace(/^~/, Deno.env.get("HOME") ?? "~");
    let st: Deno.FileInfo;
    try {
      st = await Deno.stat(p);
    } catch {
      throw new ModelError(`${p}: model file or folder not found`);
    }
    if (st.isDirectory) {
      if (await exists(`${p}/${defaultFile}`)) return `${p}/${defaultFile}`;
      throw new ModelError(`${p}: folder holds neither ${DESCRIPTOR} (converted model) nor ${defaultFile}`);
    }
    return p;
  }
  const env = options.env ?? ((k: string) => Deno.env.get(k));
  const cache = options.cacheDir ?? defaultCacheDir(env);
  const url = ref.kind === "url" ? ref.url : hubFileUrl(env("HF_ENDPOINT") || "https://huggingface.co", ref.repo, ref.revision, ref.file ?? defaultFile);
  const name = ref.kind === "hub" ? `${ref.repo}/${ref.revision}/${ref.file ?? defaultFile}` : `url/${await sha256Hex(new TextEncoder().encode(url))}/${url.split("/").pop()}`;
  const target = `${cache}/downloads/${name}`;
  if (await exists(target)) return target;
  await download(url, target, ref, options, env("HF_TOKEN"));
  return target;
}

async function download(url: string, target: string, ref: ModelRef, options: StoreOptions, token?: string) {
  const label = refLabel(ref);
  const f = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { headers: token && ref.kind === "hub" ? { Authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw new ModelError(`${label}: download failed (${(e as Error).message})`);
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new ModelError(`${label}: access denied (HTTP ${res.status}); set HF_TOKEN for gated or private models`);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new ModelError(`${label}: not found (HTTP 404): check the repo and file name`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new ModelError(`${label}: download failed (HTTP ${res.status})`);
  }
  const total = Number(res.headers.get("content-length")) || undefined;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  const tmp = uniqueTempName(target);
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  let loaded = 0;
  try {
    for await (const chunk of res.body) {
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
      loaded += chunk.length;
      options.onProgress?.(label, loaded, total);
    }
    await file.sync();
  } catch (e) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw new ModelError(`${label}: download interrupted (${(e as Error).message})`);
  }
  file.close();
  if (total !== undefined && loaded !== total) {
    await Deno.remove(tmp).catch(() => {});
    throw new ModelError(`${label}: download incomplete (${loaded} of ${total} bytes)`);
  }
  await Deno.rename(tmp, target); // only a whole file ever has the final name
  options.log?.(`downloaded ${label} (${(loaded / 1e6).toFixed(1)} MB)`);
}


/** A converted model for `ref`: an existing converted folder, or the source converted once and cached. */
export async function loadConverted(
  refText: string,
  defaultFile: string,
  convert: Omit<ConvertOptions, "sourceSha256" | "label">,
  options: StoreOptions = {},
): Promise<ConvertedModel> {
  const ref = parseModelRef(refText);
  if (ref.kind === "path" && await exists(`${ref.path}/${DESCRIPTOR}`)) return openConverted(ref.path);
  // A demo model is a checkpoint in the original format made from a seed; it then goes the same way as a file.
  const sourcePath = ref.kind === "demo" ? undefined : await fetchSource(refText, defaultFile, options);
  const bytes = ref.kind === "demo" ? demoCheckpoint(ref.name) : await Deno.readFile(sourcePath!);
  const sha = await sha256Hex(bytes);
  const env = options.env ?? ((k: string) => Deno.env.get(k));
  const cache = options.cacheDir ?? defaultCacheDir(env);
  const label = refLabel(ref);
  const ck = loadCheckpoint(bytes, label);
  const converter = converterFor(ck, label);
  const configYaml = converter.kind === "vocos" ? await companionText(ref, sourcePath, "config.yaml", options) : undefined;
  const cfgKey = configYaml ? `-cfg${(await sha256Hex(new TextEncoder().encode(configYaml))).slice(0, 8)}` : "";
  const dir = `${cache}/converted/${sha.slice(0, 16)}-${converter.id.replace("@", "-v")}-bw${convert.bandwidth}${cfgKey}`;
  if (await exists(dir)) {
    const damage = await cacheDamage(dir, options.verify === true);
    if (!damage) return openConverted(dir);
    // Self-healing: a truncated or altered graph would fail to load on every run ("protobuf parsing failed").
    options.log?.(`warning: ${dir}: cached conversion is damaged (${damage}); converting ${label} again`);
    const aside = uniqueTempName(`${dir}.damaged`);
    await Deno.rename(dir, aside).then(() => Deno.remove(aside, { recursive: true })).catch(() => {});
  }
  options.log?.(`converting ${label} (${converter.kind}) to ONNX…`);
  const { files, descriptor } = converter.convert(ck, { ...convert, sourceSha256: sha, label, configYaml, randomWeights: ref.kind === "demo" || undefined });
  const tmp = uniqueTempName(dir);
  await Deno.mkdir(tmp, { recursive: true });
  // Synced before the rename: a crash must not leave a complete-looking folder with a torn graph in the cache.
  const sums: Record<string, { bytes: number; sha256: string }> = {};
  for (const [name, data] of Object.entries(files)) {
    await writeSynced(`${tmp}/${name}`, data);
    sums[name] = { bytes: data.length, sha256: await sha256Hex(data) };
  }
  const desc = encodeDescriptor(descriptor);
  sums[DESCRIPTOR] = { bytes: desc.length, sha256: await sha256Hex(desc) };
  await writeSynced(`${tmp}/${CHECKSUMS}`, new TextEncoder().encode(JSON.stringify(sums, null, 1) + "\n"));
  await writeSynced(`${tmp}/${DESCRIPTOR}`, desc); // last: its presence marks a complete folder
  try {
    await Deno.rename(tmp, dir);
  } catch (e) {
    // Another worker converted the same source at the same time: use theirs.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (!(await exists(`${dir}/${DESCRIPTOR}`))) throw e;
  }
  return openConverted(dir);
}

/** Why a cached converted folder cannot be trusted (undefined when it can): no descriptor, a file missing or of
 * the wrong size, or (with `hashes`) a sha256 that differs from the one recorded at conversion. */
async function cacheDamage(dir: string, hashes: boolean): Promise<string | undefined> {
  if (!(await exists(`${dir}/${DESCRIPTOR}`))) return `no ${DESCRIPTOR}`;
  let sums: Record<string, { bytes: number; sha256: string }>;
  try {
    sums = JSON.parse(await Deno.readTextFile(`${dir}/${CHECKSUMS}`));
  } catch {
    return undefined; // converted by a version that kept no checksums: nothing to compare with
  }
  for (const [name, want] of Object.entries(sums)) {
    const info = await Deno.stat(`${dir}/${name}`).catch(() => undefined);
    if (!info) return `${name} is missing`;
    if (info.size !== want.bytes) return `${name} has ${info.size} bytes, ${want.bytes} were written`;
    if (hashes && (await sha256Hex(await Deno.readFile(`${dir}/${name}`))) !== want.sha256) return `${name} does not match its sha256`;
  }
  return undefined;
}

/** A small file shipped beside the checkpoint (same folder, repo revision or URL folder), or undefined. */
async function companionText(ref: ModelRef, sourcePath: string | undefined, name: string, options: StoreOptions): Promise<string | undefined> {
  let refText: string;
  if (ref.kind === "path") refText = `${sourcePath!.replace(/[^/]*$/, "") || "./"}${name}`;
  else if (ref.kind === "hub") refText = `hf://${ref.repo}@${ref.revision}/${(ref.file ?? "").replace(/[^/]*$/, "")}${name}`;
  else if (ref.kind === "url") refText = ref.url.replace(/[^/]*$/, name);
  else return undefined; // demo models have no companions
  try {
    return await Deno.readTextFile(await fetchSource(refText, name, { ...options, onProgress: undefined }));
  } catch (e) {
    options.log?.(`${refLabel(ref)}: no ${name} beside it (${(e as Error).message}); using defaults`);
    return undefined;
  }
}

export async function openConverted(dir: string): Promise<ConvertedModel> {
  let descriptor: ModelDescriptor;
  try {
    descriptor = JSON.parse(await Deno.readTextFile(`${dir}/${DESCRIPTOR}`));
  } catch (e) {
    throw new ModelError(`${dir}/${DESCRIPTOR}: unreadable model descriptor (${(e as Error).message})`);
  }
  return {
    dir,
    descriptor,
    read: async (file) => {
      try {
        return await Deno.readFile(`${dir}/${file}`);
      } catch {
        throw new ModelError(`${dir}: missing ${file} (re-run convert)`);
      }
    },
  };
}
