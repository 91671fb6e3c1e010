// Vocos inside a WebGPU session: ONNX Runtime places every node on WebGPU (the codebook offsets used to be int64
// arithmetic on the CPU). Read from its verbose placement log, as gpu-check does; needs a WebGPU adapter.
import assert from "node:assert/strict";
import { parsePlacement } from "../../bench/gpu_check_placement.ts";

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter().catch(() => null);

Deno.test({ name: "vocos graph: every node on WebGPU, none on the CPU (verbose placement log)", ignore: !adapter }, async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../bench/gpu_check_placement.ts", import.meta.url).pathname, "vocos"],
    stdout: "piped", stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, log.slice(-2000));
  const placed = parsePlacement(log);
  assert.ok((placed.nodes.WebGpuExecutionProvider ?? 0) > 50, JSON.stringify(placed));
  assert.deepEqual(placed.cpuOps, {});
  assert.equal(placed.nodes.CPUExecutionProvider, undefined, JSON.stringify(placed));
});
