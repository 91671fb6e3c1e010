// Runs the pipeline CLI as a subprocess (as users do) with the fake engines.
export const DENO = Deno.execPath();
export const MAIN = new URL("../../deno/main.ts", import.meta.url).pathname;
export const FAKES = new URL("../fakes/fake_engines.ts", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: Record<string, string> = {}, script = MAIN): Promise<CliResult> {
  const out = await new Deno.Command(DENO, {
    args: ["run", "-A", script, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A dataset of n rows (JSONL) and a config writing to `dir/out`. */
export function makeJob(dir: string, n: number, processing: Record<string, unknown> = {}): string {
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ index: i, prompt: `Sentence number ${i} for the test.` }));
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines.join("\n") + "\n");
  const p = { devices: ["cpu"], num_procs_per_device: 2, save_dir: `${dir}/out`, save_batch_size: 20, batch_size: 4, ...processing };
  Deno.writeTextFileSync(`${dir}/cfg.yaml`, `dataset:\n  name: ${dir}/data.jsonl\nprocessing: ${JSON.stringify(p)}\nlogging:\n  console_level: WARNING\n`);
  return `${dir}/cfg.yaml`;
}
