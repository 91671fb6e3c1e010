// `deno task gpu-check [--out DIR] [--gpus N]` (`--throughput` forces the throughput step on a software adapter): what this machine's GPUs give the pipeline, in one
// command (under 8 minutes on a GPU): the adapter each gpu:N process gets (and whether two share one), parity
// of webgpu with cpu on micro models, the nodes ONNX Runtime leaves on the CPU in each WebGPU graph, and on a
// hardware adapter the throughput at real sizes (batch 1/16/64, 1 vs 2 workers on gpu:0, peak GPU memory
// where nvidia-smi exists). Writes gpu_check.json and gpu_check.txt into DIR (default out/gpu-check). Without
// a hardware GPU it says so and exits 0; ICHIGO_ALLOW_SOFTWARE_GPU=1 runs the parity smoke and the placement
// on the software adapter. Every step runs in a child process with gpu:N's environment (deno/device_env.ts).
import { adapterIdentity, describeReport, duplicate, softwareAllowed } from "../deno/adapter_check.ts";
import type { AdapterReport } from "../deno/adapter_probe.ts";
import { gpuEnvironment, hostGpus } from "../deno/device_env.ts";
import type { Parity } from "./gpu_check_parity.ts";
import type { Fp16Agreement } from "./fp16_agreement.ts";
import { parsePlacement, type Placement } from "./gpu_check_placement.ts";

const GRAPHS = ["t2s_encoder", "t2s_encoder_fp16", "t2s_decoder", "t2s_decoder_fp16", "s2a_encoder", "s2a_encoder_fp16", "s2a_decoder", "s2a_decoder_fp16", "vocos", "encodec_encoder_2q"];
const here = (f: string) => new URL(f, import.meta.url).pathname;
const opt = (args: string[], name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};

interface Child {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a Deno script with gpu:N's environment; a step that runs past its time is killed and reported. */
async function child(script: string, args: string[], env: Record<string, string>, timeoutS: number): Promise<Child> {
  const t0 = performance.now();
  const proc = new Deno.Command(Deno.execPath(), { args: ["run", "-A", script, ...args], env, clearEnv: true, stdout: "piped", stderr: "piped" }).spawn();
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutS * 1000);
  const out = await proc.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), seconds: (performance.now() - t0) / 1000 };
}

const lastJson = <T>(text: string): T | undefined => {
  const line = text.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  return line ? JSON.parse(line) : undefined;
};
const failure = (c: Child) => `exit ${c.code} after ${c.seconds.toFixed(0)} s: ${(c.stderr.trim().split("\n").pop() ?? "").slice(0, 300)}`;

/** GPU memory in use per GPU (MiB) from nvidia-smi, sampled while a step runs; undefined without nvidia-smi. */
function sampleGpuMemory(): { stop(): Promise<Record<string, number> | undefined> } {
  let peak: Record<string, number> | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const out = await new Deno.Command("nvidia-smi", { args: ["--query-gpu=index,memory.used", "--format=csv,noheader,nounits"], stdout: "piped", stderr: "null" }).output();
        for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
          const [i, mib] = line.split(",").map((s) => Number(s.trim()));
          if (Number.isFinite(mib)) (peak ??= {})[`gpu:${i}`] = Math.max(peak[`gpu:${i}`] ?? 0, mib);
        }
      } catch {
        return; // no nvidia-smi: WebGPU itself does not expose memory use
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

/** "webgpu batch 16: T2S 1.0 tokens/s, S2A 2.0 frames/s, Vocos+EnCodec 0.1 s per s of audio, end to end 3.0 s of audio per s". */
export function parseThroughput(text: string) {
  const rows = [];
  for (const m of text.matchAll(/^(\w+)\s+batch\s+(\d+): T2S ([\d.]+) tokens\/s, S2A ([\d.]+) frames\/s, Vocos\+EnCodec ([\d.]+) s per s of audio, end to end ([\d.]+) s of audio per s/gm)) {
    rows.push({ provider: m[1], batch: Number(m[2]), t2sTokensPerS: Number(m[3]), s2aFramesPerS: Number(m[4]), vocosEncodecSPerS: Number(m[5]), audioSPerS: Number(m[6]) });
  }
  return rows;
}

export async function gpuCheck(args: string[]): Promise<number> {
  const outDir = opt(args, "out") ?? "out/gpu-check";
  const gpus = hostGpus();
  const count = Number(opt(args, "gpus") ?? Math.max(gpus.length, 1));
  const base = Deno.env.toObject();
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
    console.log(l);
  };
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    host: { cpus: navigator.hardwareConcurrency, gpusListed: gpus },
  };
  say(`gpu-check ${report.date}: deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPU(s), GPUs listed by the OS: ${gpus.length ? gpus.join(", ") : "none"}`);

  // 1. The adapter each gpu:N process gets.
  const reports = new Map<string, AdapterReport>();
  await Promise.all(Array.from({ length: count }, async (_, n) => {
    const c = await child(here("../deno/adapter_probe.ts"), [], gpuEnvironment(n, base, gpus[n]), 60);
    const r = lastJson<AdapterReport>(c.stdout);
    if (r) reports.set(`gpu:${n}`, r);
    else say(`gpu:${n}: the adapter probe failed (${failure(c)})`);
  }));
  const devices = [...reports.keys()].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  for (const d of devices) say(describeReport(d, reports.get(d)!));
  const dup = duplicate(reports);
  say(dup ? `DUPLICATE: ${dup}` : `adapters distinct: ${devices.map((d) => `${d} = ${adapterIdentity(reports.get(d)!)}`).join("; ")}`);
  report.adapters = devices.map((d) => ({ device: d, identity: adapterIdentity(reports.get(d)!), ...reports.get(d)! }));
  report.duplicate = dup ?? null;
  const first = reports.get("gpu:0");
  const hardware = first?.adapter?.kind === "hardware";
  report.hardware = hardware;
  const env0 = gpuEnvironment(0, base, gpus[0]);
  if (!hardware) say(`no hardware GPU adapter: gpu:0 gets ${first?.adapter ? `${first.adapter.name} (${first.adapter.kind})` : "no adapter"}; no GPU figure is measured`);
  const allowed = hardware || (first?.adapter !== undefined && softwareAllowed(Deno.env));

  // 2. Parity smoke and 3. nodes on the CPU inside WebGPU sessions.
  if (!allowed) {
    const why = first?.adapter ? "software adapter (ICHIGO_ALLOW_SOFTWARE_GPU=1 runs it there)" : "no adapter";
    report.parity = { skipped: why };
    report.placement = { skipped: why };
    report.fp16 = { skipped: why };
    say(`parity smoke, fp16 smoke and node placement skipped: ${why}`);
  } else {
    const p = await child(here("gpu_check_parity.ts"), [], env0, 300);
    const parity = lastJson<Parity>(p.stdout);
    report.parity = parity ?? { error: failure(p) };
    say(parity
      ? `parity (micro models, fp32, ${parity.provider} vs cpu): tokens ${parity.tts.equal}/${parity.tts.total} equal, EnCodec codes ` +
        `${parity.encodec.equal}/${parity.encodec.total}, Vocos SNR ${parity.vocosSnrDb.toFixed(1)} dB (${parity.seconds.toFixed(0)} s)`
      : `parity FAILED: ${failure(p)}`);
    if (first?.adapter?.shaderF16) {
      // fp16 decoders against fp32 on this adapter (micro models; T2S capped at 24 tokens).
      const f = await child(here("fp16_agreement.ts"), ["--device=webgpu", "--size=micro", "--tokens=24"], env0, 300);
      const a = lastJson<Fp16Agreement>(f.stdout);
      report.fp16 = a ?? { error: failure(f) };
      say(a
        ? `fp16 vs fp32 graphs (micro, greedy): first-step logits max error ${(100 * (a.firstStepLogits?.t2s ?? NaN)).toFixed(2)}% (T2S) / ` +
          `${(100 * (a.firstStepLogits?.s2a ?? NaN)).toFixed(2)}% (S2A) of their spread; tokens equal T2S ${a.t2s?.equal}/${a.t2s?.total} ` +
          `(first difference at ${a.t2s?.firstDifference ?? "none"}), S2A ${a.s2a?.equal}/${a.s2a?.total} (first difference at ` +
          `${a.s2a?.firstDifference ?? "none"}) (${a.seconds.toFixed(0)} s)`
        : `fp16 FAILED: ${failure(f)}`);
    } else {
      report.fp16 = { skipped: "no shader-f16: fp32 only (processing.precision auto picks fp32)" };
      say(`fp16 skipped: the adapter has no shader-f16`);
    }
    const placement: Record<string, Placement | { error: string }> = {};
    for (const g of GRAPHS) {
      const c = await child(here("gpu_check_placement.ts"), [g], env0, 120);
      const parsed = parsePlacement(c.stdout + c.stderr);
      placement[g] = c.code === 0 ? parsed : { error: failure(c) };
      const cpu = parsed.nodes.CPUExecutionProvider ?? 0;
      say(c.code !== 0 ? `placement ${g}: FAILED ${failure(c)}` : `placement ${g}: ${parsed.nodes.WebGpuExecutionProvider ?? 0} nodes on WebGPU, ${cpu} on the CPU` +
        (cpu ? ` (${Object.entries(parsed.cpuOps).map(([op, n]) => `${op} ${n}`).join(", ")})` : ""));
    }
    report.placement = placement;
  }

  // 4. Throughput at real sizes, only on a hardware adapter (a software one says nothing about GPUs).
  if (hardware || args.includes("--throughput")) {
    // --tokens, --batches, --t2s, --s2a shrink the run (to try this step on a software adapter); the defaults are the check.
    const tokens = opt(args, "tokens") ?? "75";
    const batches = (opt(args, "batches") ?? "1,16,64").split(",");
    const mid = batches[Math.min(1, batches.length - 1)];
    const sizes = [`--tokens=${tokens}`, `--t2s=${opt(args, "t2s") ?? "small"}`, `--s2a=${opt(args, "s2a") ?? "tiny"}`];
    const bench = here("main.ts");
    const memory = sampleGpuMemory();
    const gpu = await child(bench, ["whisperspeech", "--providers=webgpu", `--batches=${batches.join(",")}`, ...sizes], env0, 240);
    const gpu16 = first?.adapter?.shaderF16
      ? await child(bench, ["whisperspeech", "--providers=webgpu", "--precision=fp16", `--batches=${batches.join(",")}`, ...sizes], env0, 240)
      : undefined;
    const cpu = await child(bench, ["whisperspeech", "--providers=cpu", `--batches=${batches.slice(0, 2).join(",")}`, ...sizes], env0, 120);
    const two = await Promise.all([0, 1].map(() => child(bench, ["whisperspeech", "--providers=webgpu", `--batches=${mid}`, ...sizes], env0, 150)));
    const peak = await memory.stop();
    const tag = (c: Child | undefined, precision: string) => parseThroughput(c?.stdout ?? "").map((r) => ({ ...r, precision }));
    const rows = [...tag(gpu, "fp32"), ...tag(gpu16, "fp16"), ...tag(cpu, "fp32")];
    const b16 = rows.find((r) => r.provider === "webgpu" && r.precision === "fp32" && r.batch === Number(mid))?.audioSPerS;
    const pair = two.map((c) => parseThroughput(c.stdout)[0]?.audioSPerS);
    report.throughput = { tokensPerItem: Number(tokens), rows, errors: [gpu, gpu16, cpu].filter((c) => c && c.code !== 0).map((c) => failure(c!)) };
    report.workers = { one: b16 ?? null, two: pair.every((x) => x !== undefined) ? pair : null, errors: two.filter((c) => c.code !== 0).map(failure) };
    report.gpuMemoryPeakMiB = peak ?? "not exposed (no nvidia-smi; WebGPU does not report memory use)";
    for (const r of rows) {
      say(`throughput ${r.provider} ${r.precision} batch ${r.batch}: T2S ${r.t2sTokensPerS} tokens/s, S2A ${r.s2aFramesPerS} frames/s, end to end ${r.audioSPerS} s of audio per s`);
    }
    for (const c of [gpu, gpu16, cpu]) if (c && c.code !== 0) say(`throughput step failed: ${failure(c)}`);
    say(`1 vs 2 workers on gpu:0 (batch ${mid}): ${b16 ?? "?"} vs ${pair.map((x) => x ?? "?").join(" + ")} s of audio per s`);
    say(`peak GPU memory: ${peak ? Object.entries(peak).map(([g, m]) => `${g} ${m} MiB`).join(", ") : report.gpuMemoryPeakMiB}`);
  } else {
    report.throughput = { skipped: "no hardware GPU adapter" };
    say("throughput skipped: no hardware GPU adapter");
  }
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(`${outDir}/gpu_check.json`, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(`${outDir}/gpu_check.txt`, lines.join("\n") + "\n");
  console.log(`report: ${outDir}/gpu_check.json, ${outDir}/gpu_check.txt`);
  return 0;
}

if (import.meta.main) Deno.exit(await gpuCheck(Deno.args));
