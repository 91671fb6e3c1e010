// What the read-only commands (`remaining`, `combine`) see of an output: the folder opened without writing, its job
// checked against the config (a folder of another job is refused as a run would refuse it), and the resume scan in
// read-only mode (damaged files reported on stderr, never moved).
import type { PipelineConfig } from "../core/config/types.ts";
import { checkJob } from "../core/job/claim.ts";
import { jobIdentityOf } from "../core/job/identity.ts";
import { type OutputState, scanOutput } from "../core/sink/resume.ts";
import { codebooksOf } from "../core/sink/sidecar.ts";
import { stderrWarnings } from "./cli/common.ts";
import { FsStorage } from "./fs_storage.ts";
import { jobFactsOf } from "./job_facts.ts";

export async function readOutput(config: PipelineConfig): Promise<{ storage: FsStorage; state: OutputState }> {
  const storage = await FsStorage.openReadOnly(config.processing.save_dir);
  // Model hashes are left unknown (not compared): finding them could mean a download, and these commands only read.
  await checkJob(storage, jobIdentityOf(config, await jobFactsOf(config, { modelsUsed: false })));
  const state = await scanOutput(storage, stderrWarnings, { readOnly: true, codebooks: codebooksOf(config.processing.bandwidth) });
  return { storage, state };
}
