// Checks that a save_dir belongs to this run's job, and records the job at its first run. Every run that writes
// calls claimJob before it changes anything; read-only commands call checkJob. A refusal touches nothing.
import { ConfigError, StorageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Storage } from "../sink/storage.ts";
import { decodeJobFile, diffIdentity, encodeJobFile, JOB_FILE, type JobFile, type JobIdentity, jobIdentityOf } from "./identity.ts";
import { MANIFEST } from "../manifest.ts";
import type { PipelineConfig } from "../config/types.ts";

/** The save_dir holds output of another job: the message names each difference. Exit code 2. */
export class JobMismatchError extends ConfigError {
  override name = "JobMismatchError";
  constructor(readonly where: string, readonly differences: string[]) {
    super(`${where} belongs to another job (${differences.join("; ")}): to start a new job use another save_dir; ` +
      `to continue this one, run with the output's settings (see ${JOB_FILE} there)`);
  }
}

/** The folder's job.json, or undefined when it has none; a damaged one is a StorageError naming it (exit 2). */
export async function readJob(storage: Storage): Promise<JobFile | undefined> {
  const bytes = await storage.read(JOB_FILE);
  if (!bytes) return undefined;
  try {
    return decodeJobFile(bytes);
  } catch (e) {
    throw new StorageError(`${storage.label}/${JOB_FILE}: damaged (${(e as Error).message}); it records which job this ` +
      `folder belongs to, so nothing was done: restore it, or move the folder's output elsewhere and start again`);
  }
}

/** What the folder says about its job: the same as `identity`, or none yet (a new or pre-job.json folder).
 * Throws JobMismatchError naming each difference, or StorageError for a damaged job.json. */
export async function checkJob(storage: Storage, identity: JobIdentity): Promise<"same" | "new"> {
  const job = await readJob(storage);
  if (!job) {
    const legacy = await legacyIdentity(storage);
    if (legacy) {
      // Output written before job.json existed: its first run's config is the best record of its job.
      const diffs = diffIdentity(withoutHashes(legacy), withoutHashes(identity));
      if (diffs.length > 0) throw new JobMismatchError(storage.label, diffs);
    }
    return "new";
  }
  const diffs = diffIdentity(job.identity, identity);
  if (diffs.length > 0) throw new JobMismatchError(storage.label, diffs);
  return "same";
}

/** checkJob, then records the identity when the folder has none yet (atomically, once). A folder whose job
 * differs but that holds no rows yet (a first run that stopped on a config or dataset error) is re-recorded. */
export async function claimJob(storage: Storage, identity: JobIdentity, logger: Logger, now = () => Date.now()): Promise<void> {
  try {
    if (await checkJob(storage, identity) === "same") return;
  } catch (e) {
    if (!(e instanceof JobMismatchError) || await holdsRows(storage)) throw e;
    logger.info(`${storage.label}/${JOB_FILE}: the folder holds no rows yet, so it is recorded again for this run's settings (${e.differences.join("; ")})`);
  }
  await storage.write(JOB_FILE, encodeJobFile(identity, new Date(now())));
  logger.debug(`${storage.label}/${JOB_FILE}: job recorded`);
}

/** Any shard, sidecar or failed-index file (in quarantine/ too: those rows were made by the recorded job). */
async function holdsRows(storage: Storage): Promise<boolean> {
  if (!storage.list) return true;
  return (await storage.list("")).some((p) => /(^|\/)(audio_tokens_|shard_|failed_indices_|failed_details_|split_indices_)/.test(p));
}

async function legacyIdentity(storage: Storage): Promise<JobIdentity | undefined> {
  const bytes = await storage.read(MANIFEST);
  if (!bytes) return undefined;
  try {
    const config = JSON.parse(new TextDecoder().decode(bytes))?.runs?.[0]?.config as PipelineConfig | undefined;
    if (!config?.processing || !config.dataset || !config.models) return undefined;
    return jobIdentityOf(config);
  } catch {
    return undefined;
  }
}

function withoutHashes(id: JobIdentity): JobIdentity {
  const models = Object.fromEntries(Object.entries(id.generation.models).map(([k, m]) => [k, { ...m, sha256: null }]));
  return { ...id, generation: { ...id.generation, models: models as JobIdentity["generation"]["models"], speaker_sha256: null } };
}
