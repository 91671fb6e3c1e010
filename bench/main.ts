// `deno task bench [name...]`: runs every benchmark, or the named ones. Each prints its own figures.
const BENCHES: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  pipeline: {
    describe: "rows (--rows N, default 100,000) of a --source jsonl|csv|txt|parquet file through the CLI with instant " +
      "test doubles (or --engines demo) on 2 workers: rows/s, peak RSS, resume time",
    run: async (a) => (await import("./pipeline_bench.ts")).run(a),
  },
  combine: {
    describe: "deno task combine on a 2,000,000-row output: rows/s and peak RSS (--rows=N --tokens=K --shuffled)",
    run: async (a) => (await import("./combine_bench.ts")).run(a),
  },
  resume: {
    describe: "a finished 200,000-row job run again: sidecar scan, shard checksums, text checks (instant test doubles)",
    run: async (a) => (await import("./resume_bench.ts")).run(a),
  },
  encodec: {
    describe: "EnCodec 24 kHz encode, real model size, 10 s of audio, per provider (cpu, wasm, webgpu)",
    run: async (a) => (await import("./encodec_bench.ts")).run(a),
  },
  vocos: {
    describe: "Vocos encodec-24khz decode, real model size, 10 s of codes, per provider (cpu, wasm, webgpu)",
    run: async (a) => (await import("./vocos_bench.ts")).run(a),
  },
  whisperspeech: {
    describe: "T2S tokens/s, S2A frames/s, Vocos RTF, end to end, batch 1/4/16, real sizes, per provider",
    run: async (a) => (await import("./whisperspeech_bench.ts")).run(a),
  },
};

export function registerBench(name: string, describe: string, run: (args: string[]) => Promise<void>) {
  BENCHES[name] = { describe, run };
}

if (import.meta.main) {
  // Benchmark names come first; everything from the first flag on belongs to the benchmarks ("--rows 2000000").
  const firstFlag = Deno.args.findIndex((a) => a.startsWith("-"));
  const names = firstFlag < 0 ? Deno.args : Deno.args.slice(0, firstFlag);
  const flags = firstFlag < 0 ? [] : Deno.args.slice(firstFlag);
  const chosen = names.length ? names : Object.keys(BENCHES);
  for (const name of chosen) {
    const b = BENCHES[name];
    if (!b) {
      console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
      Deno.exit(2);
    }
    console.log(`## ${name}: ${b.describe}`);
    await b.run(flags);
  }
}
