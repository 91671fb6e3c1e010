// deno task gpu-check on a machine without a GPU: says so, measures nothing, exits 0 and writes its report.
import assert from "node:assert/strict";
import { parsePlacement } from "../../bench/gpu_check_placement.ts";
import { parseThroughput } from "../../bench/gpu_check.ts";

Deno.test("gpu-check without a hardware GPU: 'no hardware GPU adapter', exit 0, report written, nothing measured", async () => {
  const out = await Deno.makeTempDir();
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.ICHIGO_ALLOW_SOFTWARE_GPU;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../bench/gpu_check.ts", import.meta.url).pathname, "--out", out, "--gpus", "2"],
    env, clearEnv: true, stdout: "piped", stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 0, text + new TextDecoder().decode(r.stderr));
  const report = JSON.parse(Deno.readTextFileSync(`${out}/gpu_check.json`));
  if (report.hardware) return; // a machine with a GPU: the rest is the check itself
  assert.match(text, /no hardware GPU adapter/);
  assert.deepEqual(report.throughput, { skipped: "no hardware GPU adapter" });
  assert.ok(report.parity.skipped);
  assert.equal(Deno.readTextFileSync(`${out}/gpu_check.txt`), text.slice(0, text.indexOf("report: ")));
  // Two gpu:N processes on the one software adapter here are the same adapter: the duplicate check fires.
  if (report.adapters.length === 2 && report.adapters.every((a: { adapter?: unknown }) => a.adapter)) assert.match(report.duplicate, /gpu:0 and gpu:1 got the same adapter/);
});

Deno.test("gpu-check reads ONNX Runtime's node placement and the bench's throughput lines", () => {
  const log = [
    "2026 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3",
    "2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Mod (n_Mod_4)",
    "2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Mod (n_Mod_8)",
    "2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   LSTM (n_LSTM_1)",
    "2026 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 2",
    "2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Conv (n_Conv_1)",
    "2026 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Add (n_Add_2)",
  ].join("\n");
  assert.deepEqual(parsePlacement(log), { nodes: { CPUExecutionProvider: 3, WebGpuExecutionProvider: 2 }, cpuOps: { Mod: 2, LSTM: 1 } });
  assert.deepEqual(parsePlacement("x All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 4"), { nodes: { WebGpuExecutionProvider: 4 }, cpuOps: {} });
  const rows = parseThroughput("webgpu batch 16: T2S 61.0 tokens/s, S2A 455.5 frames/s, Vocos+EnCodec 0.0123 s per s of audio, end to end 1.670 s of audio per s\n");
  assert.deepEqual(rows, [{ provider: "webgpu", batch: 16, t2sTokensPerS: 61, s2aFramesPerS: 455.5, vocosEncodecSPerS: 0.0123, audioSPerS: 1.67 }]);
});
