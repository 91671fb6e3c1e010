// Kill and resume: the CLI is SIGKILLed at seeded random moments (while workers load models, while a shard is
// being written, and anywhere), restarted each time; the final output must be exactly one clean run's output.
import assert from "node:assert/strict";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { FAKES, makeJob, runCli } from "../pipeline/cli_helpers.ts";

const ROWS = 400;

/** The folder's entries; none while a run killed early (slow start under load) has not created it yet. */
const entries = (dir: string) => {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
};

function outputRows(dir: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const e of entries(dir)) {
    if (!e.name.startsWith("audio_tokens_") || e.name.includes(".ichigo-tmp.")) continue;
    for (const r of decodeCsv(Deno.readFileSync(`${dir}/${e.name}`))) {
      assert.ok(!rows.has(r.index), `index ${r.index} appears twice`);
      rows.set(r.index, Array.from(r.tokens).join(","));
    }
  }
  return rows;
}

function failedIn(dir: string): number[] {
  const out: number[] = [];
  for (const e of entries(dir)) {
    if (/^failed_indices_.*\.json$/.test(e.name)) out.push(...JSON.parse(Deno.readTextFileSync(`${dir}/${e.name}`)));
  }
  return out;
}

const hasTmp = (dir: string) => {
  try {
    return [...Deno.readDirSync(dir)].some((e) => e.name.includes(".ichigo-tmp."));
  } catch {
    return false;
  }
};

export const KILL_STATS = { kills: 0, duringLoad: 0, duringWrite: 0 };

Deno.test("SIGKILL >= 20 times (during model loading, during shard writes, anywhere): every index exactly once, tokens as one clean run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kill_" });
  const cfg = makeJob(dir, ROWS, { save_batch_size: 10, max_retries: 2 });
  const out = `${dir}/out`;
  let seed = 20261124;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Row 17 always fails: it must end in the failed list, never lost and never duplicated.
  const faults = { failAlways: [17], slowMs: 10, slowWorkers: [0, 1] };
  for (let round = 0; KILL_STATS.kills < 24 && round < 60; round++) {
    const mode = round % 3; // 0: while loading, 1: during a shard write, 2: anywhere
    const env: Record<string, string> = {
      NO_COLOR: "1",
      ICHIGO_ENGINE_EXTRA: JSON.stringify({ ...faults, initDelayMs: mode === 0 ? 700 : 0 }),
      ICHIGO_FAILPOINT_WRITE_DELAY_MS: mode === 1 ? "120" : "0",
    };
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../deno/main.ts", import.meta.url).pathname, "--config", cfg, "--engine-module", FAKES],
      env, stdout: "null", stderr: "null",
    }).spawn();
    let exited = false;
    child.status.then(() => (exited = true));
    let duringWrite = false;
    if (mode === 1) {
      const deadline = Date.now() + 4000;
      while (!exited && Date.now() < deadline && !(duringWrite = hasTmp(out))) await new Promise((r) => setTimeout(r, 5));
    } else {
      await new Promise((r) => setTimeout(r, mode === 0 ? 250 + rand() * 300 : 150 + rand() * 500));
    }
    if (!exited) {
      child.kill("SIGKILL");
      KILL_STATS.kills++;
      if (mode === 0) KILL_STATS.duringLoad++;
      if (duringWrite) KILL_STATS.duringWrite++;
    }
    await child.status;
    outputRows(out); // every file present parses, whatever instant the kill hit
    if (outputRows(out).size + failedIn(out).length >= ROWS) break;
  }
  const last = await runCli(["--config", cfg, "--engine-module", FAKES], { ICHIGO_ENGINE_EXTRA: JSON.stringify(faults) });
  assert.equal(last.code, 0, last.stderr);
  const rows = outputRows(out);
  const failed = failedIn(out);
  assert.deepEqual(failed, [17]);
  assert.equal(rows.size + failed.length, ROWS);
  const clean = await Deno.makeTempDir();
  const cfg2 = makeJob(clean, ROWS, { save_batch_size: 10, max_retries: 2 });
  assert.equal((await runCli(["--config", cfg2, "--engine-module", FAKES], { ICHIGO_ENGINE_EXTRA: JSON.stringify({ failAlways: [17] }) })).code, 0);
  assert.deepEqual(rows, outputRows(`${clean}/out`));
  console.log(`kills: ${KILL_STATS.kills} (during model loading ${KILL_STATS.duringLoad}, during a shard write ${KILL_STATS.duringWrite})`);
  assert.ok(KILL_STATS.kills >= 20, `only ${KILL_STATS.kills} kills landed`);
  assert.ok(KILL_STATS.duringLoad >= 5 && KILL_STATS.duringWrite >= 5, JSON.stringify(KILL_STATS));
});
