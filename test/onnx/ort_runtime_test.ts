import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { float, GraphBuilder } from "../../models/onnx/graph_builder.ts";

function model(): Uint8Array {
  const g = new GraphBuilder("p");
  const x = g.input("x", "float32", ["n", 3]);
  const w = g.initializer("w", Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [3, 3]);
  g.output(g.op("Elu", [g.op("MatMul", [x, w])], { alpha: float(1) }), "y", "float32", ["n", 3]);
  return g.toBytes();
}

Deno.test("cpu, wasm and webgpu (lavapipe or fallback) give the same outputs and say what runs", async () => {
  const x = Float32Array.from([1, -2, 0.5, -1, 0, 0.25]);
  const results: number[][] = [];
  for (const device of ["cpu", "wasm", "webgpu"]) {
    const rt = await loadOrt(device);
    assert.ok(rt.description.length > 0);
    if (device === "webgpu") assert.match(rt.description, /webgpu|no WebGPU adapter/);
    const s = await rt.createSession(model());
    const out = await s.run({ x: new rt.Tensor("float32", x, [2, 3]) });
    results.push(Array.from(out.y.data as Float32Array));
    await s.release();
  }
  for (const r of results.slice(1)) r.forEach((v, i) => assert.ok(Math.abs(v - results[0][i]) < 1e-5, `${v} vs ${results[0][i]}`));
});

Deno.test("gpu:N refuses a software renderer inside the worker too, unless ICHIGO_ALLOW_SOFTWARE_GPU is set", async () => {
  const { probeAdapter } = await import("../../deno/adapter_probe.ts");
  if ((await probeAdapter()).adapter?.kind !== "software") return; // this machine has a GPU, or no adapter at all
  await assert.rejects(loadOrt("gpu:0"), /gpu:0: the only WebGPU adapter is .*software renderer.*devices: \[cpu\]/);
  Deno.env.set("ICHIGO_ALLOW_SOFTWARE_GPU", "1");
  try {
    const logs: string[] = [];
    const rt = await loadOrt("gpu:0", (m) => logs.push(m));
    assert.equal(rt.provider, "webgpu");
    assert.match(rt.description, /software renderer/);
  } finally {
    Deno.env.delete("ICHIGO_ALLOW_SOFTWARE_GPU");
  }
});
