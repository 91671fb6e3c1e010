// `deno task bench [name...]`: runs every benchmark, or the named ones. Each prints its own figures.
const BENCHES: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  pipeline: {
    describe: "100,000 rows through scheduler + sink with instant test doubles on 2 workers",
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
  const names = Deno.args.filter((a) => !a.startsWith("-"));
  const chosen = names.length ? names : Object.keys(BENCHES);
  for (const name of chosen) {
    const b = BENCHES[name];
    if (!b) {
      console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
      Deno.exit(2);
    }
    console.log(`## ${name}: ${b.describe}`);
    await b.run(Deno.args.filter((a) => a.startsWith("-")));
  }
}
