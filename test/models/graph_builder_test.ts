import assert from "node:assert/strict";
import * as ortNode from "onnxruntime-node";
import * as ortWasm from "onnxruntime-web";
import { float, GraphBuilder } from "../../models/onnx/graph_builder.ts";

function tinyModel(): Uint8Array {
  const g = new GraphBuilder("tiny");
  const x = g.input("x", "float32", ["batch", 4]);
  const w = g.initializer("w", Float32Array.from([1, 0, 2, 0, 1, 0, 1, 1, 1, 0.5, 0, 1]), [4, 3]);
  const y = g.op("MatMul", [x, w]);
  const z = g.op("LeakyRelu", [y], { alpha: float(0.5) });
  g.output(z, "y", "float32", ["batch", 3]);
  return g.toBytes();
}

Deno.test("GraphBuilder writes a model that onnxruntime-node and -web run alike", async () => {
  const bytes = tinyModel();
  const x = Float32Array.from([1, -1, 2, 0.5, 0, 1, 0, 0]);
  const sn = await ortNode.InferenceSession.create(bytes);
  const on = await sn.run({ x: new ortNode.Tensor("float32", x, [2, 4]) });
  ortWasm.env.wasm.numThreads = 1;
  const sw = await ortWasm.InferenceSession.create(bytes);
  const ow = await sw.run({ x: new ortWasm.Tensor("float32", x, [2, 4]) });
  assert.deepEqual(Array.from(on.y.data as Float32Array), Array.from(ow.y.data as Float32Array));
  // row 0: [1,-1,2,0.5] @ w = [1+0+2+0.5*... ] computed by hand below
  const w = [[1, 0, 2], [0, 1, 0], [1, 1, 1], [0.5, 0, 1]];
  const expect = [0, 1].map((r) =>
    [0, 1, 2].map((c) => {
      const v = [0, 1, 2, 3].reduce((s, k) => s + x[r * 4 + k] * w[k][c], 0);
      return v < 0 ? v * 0.5 : v;
    })
  ).flat();
  assert.deepEqual(Array.from(on.y.data as Float32Array), expect);
  await sn.release();
  await sw.release();
});

Deno.test("GraphBuilder refuses a tensor name used twice", () => {
  const g = new GraphBuilder("dup");
  g.input("x", "float32", [1]);
  assert.throws(() => g.input("x", "float32", [1]), /used twice/);
});
