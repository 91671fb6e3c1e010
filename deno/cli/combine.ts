// `deno task combine --config cfg.yaml [--out DIR] [--sound-tokens]`: the seed's "Combine Results" and
// "Aggregate Failed Indices". Reads the output (finished or partial) and its dataset and writes, into DIR
// (default <save_dir>/combined): combined.parquet (index, the text column, tokens: list<int32>, and with
// --sound-tokens ichigo's "<|sound_start|>...<|sound_end|>" string), failed_indices.json and
// failed_details.json. Streams with bounded memory; the output folder itself is only read.
import { parseArgs } from "node:util";
import { planCombine } from "../../core/combine/combined_rows.ts";
import { aggregateFailed } from "../../core/combine/failed_summary.ts";
import { closest, distance } from "fastest-levenshtein";
import { ConfigError, InputError, StorageError } from "../../core/errors.ts";
import { configFromArgs } from "../main.ts";
import { syncDir, uniqueTempName, writeSynced } from "../durable_file.ts";
import { openTextSource } from "../open_source.ts";
import { writeCombinedParquet } from "../combined_parquet.ts";
import { openSpillFiles } from "../spill_files.ts";
import { runCli } from "./common.ts";
import { readOutput } from "../read_output.ts";

const USAGE = `Usage: deno task combine --config cfg.yaml [--out DIR] [--sound-tokens] [--save-dir DIR] [--dataset NAME]

Writes DIR/combined.parquet (rows in index order: index, text, tokens), DIR/failed_indices.json and
DIR/failed_details.json from the output folder and its dataset. DIR defaults to <save_dir>/combined.`;

const OWN = {
  out: { type: "string" },
  "sound-tokens": { type: "boolean" },
  // Advanced: rows per parquet row group, and texts held at once when the dataset is not in index order.
  "rows-per-group": { type: "string" },
  "window-rows": { type: "string" },
} as const;

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`--${flag}: expected a positive integer, got "${value}"`);
  return n;
}

/** Splits our own flags from the run flags (which configFromArgs parses and checks). */
function splitArgs(args: string[]) {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].replace(/^--/, "").split("=")[0];
    if (args[i].startsWith("--") && name in OWN) {
      own.push(args[i]);
      if (OWN[name as keyof typeof OWN].type === "string" && !args[i].includes("=")) own.push(args[++i]);
    } else rest.push(args[i]);
  }
  return { own: parseArgs({ args: own, options: OWN, strict: true }).values, rest };
}

async function combine(args: string[]): Promise<number> {
  const { own, rest } = splitArgs(args);
  const { config } = await configFromArgs(rest).catch((e) => {
    // The run flags' did-you-mean does not know combine's own flags: suggest one of those when it is nearer.
    const msg = (e as Error).message;
    const flag = msg.match(/unknown or malformed flag --([\w-]+)/)?.[1];
    if (flag) {
      const own = Object.keys(OWN).find((k) => k.startsWith(flag)) ?? closest(flag, Object.keys(OWN));
      const run = msg.match(/did you mean --([\w-]+)/)?.[1];
      if (own.startsWith(flag) || distance(flag, own) < (run ? distance(flag, run) : 4)) {
        throw new ConfigError(`unknown flag --${flag} (did you mean --${own}?); see --help`);
      }
    }
    throw e;
  });
  if (!config) {
    console.log(USAGE);
    return 0;
  }
  const saveDir = config.processing.save_dir;
  const outDir = own.out ?? `${saveDir}/combined`;
  const started = performance.now();
  // Read-only, like `remaining`: a folder of another job is refused, damaged files are reported and left out.
  const { storage, state } = await readOutput(config);
  const source = await openTextSource(config.dataset);
  const rowsPerGroup = positive("rows-per-group", own["rows-per-group"], 10_000);
  const windowRows = positive("window-rows", own["window-rows"], 20_000);
  await Deno.mkdir(outDir, { recursive: true }).catch((e) => {
    throw new StorageError(`${outDir}: cannot create the combine folder (${(e as Error).message})`);
  });
  const plan = await planCombine(storage, source, {
    shards: state.shards,
    textHashOf: (i) => state.done.hashOf(i),
    windowRows,
    openSpill: () => openSpillFiles(outDir),
  });
  if (plan.tokensOrder === "buckets") console.error(`${storage.label}: shards overlap in index order; sorting through ${plan.buckets} bucket file(s)`);
  console.error(plan.textsOrder === "stream"
    ? `${source.label}: in index order, joined in one pass`
    : `${source.label}: not in index order; joining through ${plan.buckets} bucket file(s)`);
  const failed = await aggregateFailed(storage, state.failed, state.keys);

  // The dataset's own name for the text column, unless it would clash with ours.
  const textColumn = ["index", "tokens", "sound_tokens"].includes(config.dataset.text_column) ? "text" : config.dataset.text_column;
  const target = `${outDir}/combined.parquet`;
  const written = await writeCombinedParquet(target, plan.rows(), { textColumn, soundTokens: Boolean(own["sound-tokens"]), rowsPerGroup });
  const enc = new TextEncoder();
  await writeJson(`${outDir}/failed_indices.json`, enc.encode(JSON.stringify(failed.map((f) => f.index)) + "\n"));
  await writeJson(`${outDir}/failed_details.json`, enc.encode(JSON.stringify(failed, null, 1) + "\n"));
  await syncDir(outDir);
  const secs = (performance.now() - started) / 1000;
  const dup = plan.stats.duplicates ? `; ${plan.stats.duplicates} index(es) found in two shards were kept once` : "";
  const left = state.quarantined.length ? `; ${state.quarantined.length} damaged file(s) left out (see the warnings; a run redoes their rows)` : "";
  console.error(`${target}: ${written} rows in index order, ${failed.length} failed (failed_indices.json, failed_details.json), ${secs.toFixed(1)} s${dup}${left}`);
  return 0;
}


async function writeJson(path: string, bytes: Uint8Array) {
  const tmp = uniqueTempName(path);
  await writeSynced(tmp, bytes);
  await Deno.rename(tmp, path);
}

if (import.meta.main) await runCli(() => combine(Deno.args));
