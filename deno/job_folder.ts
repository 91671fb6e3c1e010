// Opening a save_dir to write to it, in the one safe order: the folder (created, probed), its lock (one writer),
// the job check (job.json: refuse another job's folder, touching nothing), and only then the clean-up of this
// tool's own temp files that killed runs left. Used by `deno task run` and the NATS coordinator.
import type { PipelineConfig } from "../core/config/types.ts";
import type { Logger } from "../core/log.ts";
import { claimJob } from "../core/job/claim.ts";
import { type JobIdentity, jobIdentityOf } from "../core/job/identity.ts";
import { FsStorage } from "./fs_storage.ts";
import { jobFactsOf } from "./job_facts.ts";
import { SaveDirLock } from "./save_dir_lock.ts";

export interface JobFolder {
  storage: FsStorage;
  lock: SaveDirLock;
  identity: JobIdentity;
}

export async function openJobFolder(
  config: PipelineConfig,
  o: { logger: Logger; modelsUsed: boolean; what: string; dir?: string; sharedTempAgeMs?: number },
): Promise<JobFolder> {
  const dir = o.dir ?? config.processing.save_dir;
  const storage = await FsStorage.open(dir);
  const lock = await SaveDirLock.take(dir, { logger: o.logger, what: o.what });
  try {
    const identity = jobIdentityOf(config, await jobFactsOf(config, { modelsUsed: o.modelsUsed, log: (m) => o.logger.info(m) }));
    await claimJob(storage, identity, o.logger);
    const removed = await storage.removeOwnTemps(o.sharedTempAgeMs);
    if (removed.length > 0) o.logger.info(`${dir}: removed ${removed.length} temp file(s) of an interrupted run (${removed.slice(0, 3).join(", ")}${removed.length > 3 ? ", ..." : ""})`);
    return { storage, lock, identity };
  } catch (e) {
    await lock.release();
    throw e;
  }
}
