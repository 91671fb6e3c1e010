import assert from "node:assert/strict";
import { ModelError } from "../../core/errors.ts";
import { loadCheckpoint, toFloat32 } from "../../models/checkpoint/load_checkpoint.ts";
import { f16, f32, i64, OrderedDict, pickleDump, PyTuple, safetensorsSave, stateDict, storedZip, torchSave } from "../helpers/torch_save.ts";

const W = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);

Deno.test("loadCheckpoint reads a torch.save state dict (fp32, fp16, int64) as views", () => {
  const bytes = torchSave(stateDict({
    "encoder.weight": f32([3, 4], W),
    "half": f16([2, 2], [0.5, -1.25, 3, 65504]),
    "steps": i64([2], [7, -3]),
  }));
  const ck = loadCheckpoint(bytes, "m.th");
  assert.deepEqual([...ck.tensors.keys()], ["encoder.weight", "half", "steps"]);
  const w = ck.tensors.get("encoder.weight")!;
  assert.deepEqual(w.shape, [3, 4]);
  assert.equal(w.bytes.buffer, bytes.buffer, "a view into the file, not a copy");
  assert.deepEqual(Array.from(toFloat32(w)), Array.from(W));
  assert.deepEqual(Array.from(toFloat32(ck.tensors.get("half")!)), [0.5, -1.25, 3, 65504]);
  const s = ck.tensors.get("steps")!;
  assert.deepEqual(Array.from(new BigInt64Array(s.bytes.slice().buffer)), [7n, -3n]);
});

Deno.test("loadCheckpoint keeps plain data (WhisperSpeech .model: config, tunables, state_dict)", () => {
  const bytes = torchSave({
    config: { depth: 2, n_head: 3, langs: ["en", "pl"], ttoks_len: 550 },
    tunables: { rope: true, query_mult: 0.3, lr0: null },
    state_dict: stateDict({ "a.weight": f32([2], [1, 2]) }),
  });
  const ck = loadCheckpoint(bytes, "t2s.model");
  assert.deepEqual(ck.meta.config, { depth: 2, n_head: 3, langs: ["en", "pl"], ttoks_len: 550 });
  assert.deepEqual(ck.meta.tunables, { rope: true, query_mult: 0.3, lr0: null });
  assert.ok(ck.tensors.has("state_dict.a.weight"));
});

Deno.test("loadCheckpoint reads .safetensors", () => {
  const ck = loadCheckpoint(safetensorsSave({ "x.w": f32([2, 2], [1, 2, 3, 4]), "x.h": f16([1], [2]) }, { format: "pt" }), "m.safetensors");
  assert.deepEqual(Array.from(toFloat32(ck.tensors.get("x.w")!)), [1, 2, 3, 4]);
  assert.deepEqual(ck.meta, { format: "pt" });
});

function maliciousPickle(module: string, name: string): Uint8Array {
  // Equivalent of pickle.dumps(os.system("echo pwned")): GLOBAL 'posix system', arg tuple, REDUCE.
  const enc = new TextEncoder();
  return Uint8Array.from([0x80, 2, 0x63, ...enc.encode(`${module}\n${name}\n`), 0x58, 10, 0, 0, 0, ...enc.encode("echo pwned"), 0x85, 0x52, 0x2e]);
}

Deno.test("the unpickler refuses globals that are not on the allow-list, naming them", () => {
  for (const [m, n] of [["posix", "system"], ["os", "system"], ["builtins", "eval"], ["__builtin__", "exec"], ["subprocess", "Popen"]]) {
    const zip = storedZip([["archive/data.pkl", maliciousPickle(m, n)]]);
    assert.throws(() => loadCheckpoint(zip, "evil.pt"), (e: Error) => {
      assert.ok(e instanceof ModelError);
      assert.match(e.message, new RegExp(`${m === "__builtin__" ? "builtins" : m}\\.${n}`));
      return true;
    });
  }
});

Deno.test("wrong or damaged files get one clear ModelError", () => {
  const good = torchSave(stateDict({ w: f32([4], [1, 2, 3, 4]) }));
  assert.throws(() => loadCheckpoint(good.subarray(0, good.length - 30), "cut.th"), /cut\.th: not a valid checkpoint archive/);
  assert.throws(() => loadCheckpoint(new TextEncoder().encode("hello, this is text"), "x.bin"), /x\.bin: not a checkpoint/);
  assert.throws(() => loadCheckpoint(Uint8Array.from([0x80, 2, 0x8a, 0x0a]), "old.pt"), /legacy/);
  const noPkl = storedZip([["archive/other", new Uint8Array(3)]]);
  assert.throws(() => loadCheckpoint(noPkl, "z.pt"), /no data\.pkl/);
});

Deno.test("non-contiguous storage views are gathered; shared storages with offsets are sliced", () => {
  // A transposed [2,3] view of a 6-element storage: stride (1,2).
  const enc = new TextEncoder();
  const { pickle } = pickleDump(new PyTuple([]));
  assert.ok(pickle.length > 0);
  const prog = Uint8Array.from([
    0x80, 2, 0x63, ...enc.encode("torch._utils\n_rebuild_tensor_v2\n"), 0x28,
    0x28, 0x58, 7, 0, 0, 0, ...enc.encode("storage"), 0x63, ...enc.encode("torch\nFloatStorage\n"),
    0x58, 1, 0, 0, 0, ...enc.encode("0"), 0x58, 3, 0, 0, 0, ...enc.encode("cpu"), 0x4b, 6, 0x74, 0x51,
    0x4b, 0, 0x4b, 2, 0x4b, 3, 0x86, 0x4b, 1, 0x4b, 2, 0x86, 0x89, 0x4e, 0x74, 0x52, 0x2e,
  ]);
  const zip = storedZip([["archive/data.pkl", prog], ["archive/data/0", new Uint8Array(Float32Array.from([0, 1, 2, 3, 4, 5]).buffer)]]);
  const ck = loadCheckpoint(zip, "view.pt");
  assert.deepEqual(Array.from(toFloat32(ck.tensors.get("")!)), [0, 2, 4, 1, 3, 5]);
  assert.ok(new OrderedDict([]));
});
