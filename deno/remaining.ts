// `deno task remaining --config cfg.yaml [--out FILE]`: the indices still to do (never done, or failed),
// as a JSON list of ints — the seed's remaining_indices_file format. Computed from the output itself, read-only:
// it never writes, moves or deletes anything in save_dir (damaged files are reported, not quarantined), never
// creates it, and refuses a folder of another job as a run would.
import { parseArgs } from "node:util";
import { runCli } from "./cli/common.ts";
import { readOutput } from "./read_output.ts";
import { configFromArgs } from "./main.ts";
import { openTextSource } from "./open_source.ts";

async function remaining(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: "string" } }, strict: false });
  const rest = args.filter((a, i) => a !== "--out" && args[i - 1] !== "--out");
  const { config } = await configFromArgs(rest);
  if (!config) {
    console.log("Usage: deno task remaining --config cfg.yaml [--out remaining.json]");
    return 0;
  }
  const { state } = await readOutput(config);
  // One read of the dataset, which is also its checking pass: nothing is printed before it ends.
  const source = await openTextSource(config.dataset, { check: false });
  const todo: number[] = [];
  for await (const row of source.read({ checkDuringRead: true })) if (!state.done.has(row.index)) todo.push(row.index);
  const json = JSON.stringify(todo);
  if (typeof values.out === "string") {
    await Deno.writeTextFile(values.out, json + "\n");
    console.error(`${values.out}: ${todo.length} indices to do (${state.done.size} done, ${state.failed.size} failed)`);
  } else console.log(json);
  return 0;
}


if (import.meta.main) await runCli(() => remaining(Deno.args));
