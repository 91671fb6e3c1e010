// Reading WhisperSpeech `.model` files: preset sizes, upstream's tunable defaults and upgrades, detection by
// content, and one clear ModelError (file + key) for everything the graphs cannot represent.
import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { ModelError } from "../../core/errors.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import type { Checkpoint } from "../../models/checkpoint/types.ts";
import { converterFor } from "../../models/convert/registry.ts";
import { readS2aSpec, readT2sSpec } from "../../models/whisperspeech/checkpoint_spec.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER } from "../../models/whisperspeech/contract.ts";
import { convertS2a } from "../../models/whisperspeech/converters.ts";
import {
  PRESETS,
  randomS2aCheckpoint,
  randomT2sCheckpoint,
} from "../../models/whisperspeech/random_checkpoints.ts";

const T2S_BYTES = randomT2sCheckpoint(PRESETS.micro, 51), S2A_BYTES = randomS2aCheckpoint(PRESETS.micro, 52);
const t2s = (label = "t2s.model") => loadCheckpoint(T2S_BYTES, label);
const s2a = (label = "s2a.model") => loadCheckpoint(S2A_BYTES, label);
const opts = (label: string) => ({ sourceSha256: "sha", label, bandwidth: 1.5 });

/** Asserts a ModelError whose message names the file and matches `re`. */
function rejects(f: () => unknown, label: string, re: RegExp) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof ModelError, `expected ModelError, got ${e}`);
    assert.ok(e.message.startsWith(`${label}:`), e.message);
    assert.match(e.message, re);
    return true;
  });
}

const tunables = (ck: Checkpoint) => ck.meta.tunables as Record<string, unknown>;
const config = (ck: Checkpoint) => ck.meta.config as Record<string, unknown>;
/** The same tensor bytes under a smaller first dimension (enough to test shape checks). */
function reshapeRows(ck: Checkpoint, name: string, rows: number) {
  const t = ck.tensors.get(`state_dict.${name}`)!;
  ck.tensors.set(`state_dict.${name}`, { ...t, shape: [rows, ...t.shape.slice(1)] });
}

Deno.test("preset sizes: layer split, heads and width as upstream (micro and tiny)", () => {
  const micro = readT2sSpec(t2s(), "t2s.model").dims;
  assert.deepEqual([micro.numEncoderLayers, micro.numDecoderLayers, micro.numHeads, micro.hiddenSize], [
    1,
    3,
    2,
    128,
  ]);
  const tiny = readT2sSpec(loadCheckpoint(randomT2sCheckpoint(PRESETS.tiny, 1)), "t2s-tiny").dims;
  assert.deepEqual(tiny, {
    ...tiny,
    numEncoderLayers: 2,
    numDecoderLayers: 6,
    numHeads: 6,
    headDim: 64,
    hiddenSize: 384,
    vocab: 514,
    encoderLen: 550,
    maxPositions: 750,
  });
  assert.equal(tiny.languages?.[10], "pl");
  const sTiny = readS2aSpec(loadCheckpoint(randomS2aCheckpoint(PRESETS.tiny, 2)), "s2a-tiny").dims;
  assert.deepEqual(sTiny, {
    kind: "s2a",
    numEncoderLayers: 2,
    numDecoderLayers: 6,
    numHeads: 6,
    headDim: 64,
    hiddenSize: 384,
    vocab: 1026,
    encoderLen: 750,
    maxPositions: 2250,
    quantizers: 4,
    startToken: 1025,
    eosToken: 1024,
  });
});

Deno.test("T2S tunables: padding_token_offset as Tunables.upgrade; scales from query_mult/output_mult", () => {
  const old = readT2sSpec(t2s(), "t2s.model");
  assert.equal(old.dims.startToken, 512); // saved without padding_token_offset -> -1
  assert.ok(Math.abs(old.logitScale - 0.35 / (128 / 192)) < 1e-12);
  assert.ok(Math.abs(old.sqrtQkScale - 1) < 1e-12); // query_mult 1: 8/sqrt(64) = 1
  const ck = t2s();
  Object.assign(tunables(ck), { padding_token_offset: 0, query_mult: 2, output_mult: 0.5 });
  const fresh = readT2sSpec(ck, "t2s.model");
  assert.deepEqual([fresh.dims.startToken, fresh.dims.eosToken], [513, 513]);
  assert.ok(Math.abs(fresh.sqrtQkScale - Math.SQRT2) < 1e-12 && Math.abs(fresh.logitScale - 0.75) < 1e-12);
  const noDefaults = t2s();
  delete tunables(noDefaults).causal_encoder;
  assert.equal(readT2sSpec(noDefaults, "t2s.model").causalEncoder, true); // the dataclass default
});

Deno.test("detected by content; descriptor carries the dims and the contract's file names", () => {
  const tc = converterFor(t2s(), "a.bin"), sc = converterFor(s2a(), "b.bin");
  assert.deepEqual([tc.kind, tc.id, sc.kind, sc.id], [
    "whisperspeech-t2s",
    "whisperspeech-t2s@4",
    "whisperspeech-s2a",
    "whisperspeech-s2a@5",
  ]);
  const out = sc.convert(s2a(), opts("b.bin"));
  assert.deepEqual(Object.keys(out.files).sort(), [S2A_DECODER.file, "s2a_decoder_fp16.onnx", S2A_ENCODER.file, "s2a_encoder_fp16.onnx"].sort());
  assert.deepEqual(out.descriptor.graphs, {
    encoder: S2A_ENCODER.file,
    decoder: S2A_DECODER.file,
    encoder_fp16: "s2a_encoder_fp16.onnx",
    decoder_fp16: "s2a_decoder_fp16.onnx",
  });
  assert.deepEqual(out.descriptor.config, readS2aSpec(s2a(), "b.bin").dims);
  assert.deepEqual(
    Object.keys(tc.convert(t2s(), opts("a.bin")).files).sort(),
    [T2S_DECODER.file, "t2s_decoder_fp16.onnx", T2S_ENCODER.file, "t2s_encoder_fp16.onnx"].sort(),
  );
});

Deno.test("S2A graphs hold one RoPE table pair each, not one per attention module", () => {
  const files = convertS2a(s2a(), opts("s2a.model")).files;
  for (const f of [S2A_ENCODER.file, S2A_DECODER.file]) {
    const model = onnxProto.onnx.ModelProto.decode(files[f]);
    const names = model.graph!.initializer!.map((t) => t.name ?? "").filter((n) => n.startsWith("rope_"));
    assert.equal(names.length, 2, `${f}: ${names}`);
  }
});

Deno.test("unsupported or damaged checkpoints: one ModelError naming the file and the key", () => {
  const missing = t2s("m.model");
  missing.tensors.delete("state_dict.decoder.ln_post.weight");
  rejects(
    () => converterFor(missing, "m.model").convert(missing, opts("m.model")),
    "m.model",
    /missing tensor decoder\.ln_post\.weight/,
  );

  const wide = t2s("w.model");
  config(wide).head_width = 32;
  rejects(() => readT2sSpec(wide, "w.model"), "w.model", /config\.head_width = 32/);

  const bins = t2s("c.model");
  reshapeRows(bins, "cps_embeddings.weight", 16);
  rejects(() => readT2sSpec(bins, "c.model"), "c.model", /cps_bins = 16/);

  const short = t2s("l.model");
  config(short).ttoks_len = 200;
  rejects(() => readT2sSpec(short, "l.model"), "l.model", /ttoks_len 200/);

  const cond = s2a("cond.model");
  cond.tensors.set("state_dict.cond_embeddings.0.weight", cond.tensors.get("state_dict.ln_post.weight")!);
  rejects(() => readS2aSpec(cond, "cond.model"), "cond.model", /conditioned S2A variant/);

  const old = s2a("old.model");
  delete tunables(old).rope; // Tunables.upgrade: rope=False for files saved before it existed
  rejects(() => readS2aSpec(old, "old.model"), "old.model", /without RoPE/);

  const codes = s2a("v.model");
  reshapeRows(codes, "semantic_embedding.weight", 500);
  rejects(() => readS2aSpec(codes, "v.model"), "v.model", /stoks_codes = 500/);

  const spk = s2a("spk.model");
  spk.tensors.delete("state_dict.spk_to_hidden.weight"); // speaker vectors would then be hidden-size wide
  rejects(() => readS2aSpec(spk, "spk.model"), "spk.model", /speaker width 128/);

  const notWs = t2s("x.model");
  delete notWs.meta.config;
  assert.throws(
    () => converterFor(notWs, "x.model"),
    (e) => e instanceof ModelError && /x\.model: not a model this tool can convert/.test(e.message),
  );
});
