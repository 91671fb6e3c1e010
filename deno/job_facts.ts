// Content hashes for the job identity (core/job/identity.ts): each model's source checkpoint and the speaker
// vector file, so a different checkpoint behind the same path or name is told apart. Read here because only
// the runtime can read files; the engines being test doubles (an --engine-module) means no models are used.
import type { PipelineConfig } from "../core/config/types.ts";
import { ModelError } from "../core/errors.ts";
import type { JobFacts } from "../core/job/identity.ts";
import { parseModelRef } from "../models/loading/model_ref.ts";
import { DEFAULT_FILES } from "./engine_files.ts";
import { createHash } from "node:crypto";
import { fetchSource, openConverted } from "./model_store.ts";
import { tenthsLogger } from "./prepare_models.ts";

export async function jobFactsOf(config: PipelineConfig, options: { modelsUsed: boolean; log?: (m: string) => void }): Promise<JobFacts> {
  const facts: JobFacts = { models: {} };
  if (options.modelsUsed) {
    for (const role of ["t2s", "s2a", "vocos", "codec"] as const) {
      const ref = config.models[role];
      if (ref) facts.models![role] = await modelHash(ref, DEFAULT_FILES[role], config, options.log);
    }
  }
  const speaker = config.processing.speaker;
  if (speaker !== "default") {
    try {
      facts.speaker = await fileSha256(speaker);
    } catch {
      // Not a file: a preset name; the engines report an unknown one.
    }
  }
  return facts;
}

async function modelHash(refText: string, defaultFile: string, config: PipelineConfig, log?: (m: string) => void): Promise<string | undefined> {
  const ref = parseModelRef(refText);
  if (ref.kind === "demo") return undefined; // generated from a fixed seed: the ref is the identity
  if (ref.kind === "path") {
    const converted = await openConverted(ref.path).catch(() => undefined);
    const sha = converted?.descriptor.source_sha256;
    if (sha) return sha;
  }
  const path = await fetchSource(refText, defaultFile, { cacheDir: config.models.cacheDir, log, onProgress: log && tenthsLogger(log) });
  try {
    return await fileSha256(path);
  } catch (e) {
    throw new ModelError(`${path}: cannot read the model file (${(e as Error).message})`);
  }
}

/** sha256 of a file, streamed (checkpoints are GBs: never held in memory whole). */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk); // the stream closes the file
  return hash.digest("hex");
}
