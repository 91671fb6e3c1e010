// `deno task convert <ref|file> --out <dir> [--bandwidth 1.5]`: checkpoint -> ONNX graphs + model.json.
import { parseArgs } from "node:util";
import { ConfigError } from "../../core/errors.ts";
import { DESCRIPTOR } from "../../models/convert/descriptor.ts";
import { loadConverted } from "../model_store.ts";
import { progressPrinter, runCli } from "./common.ts";

const USAGE = "Usage: deno task convert <model ref | checkpoint file> --out <dir> [--bandwidth 1.5]";

await runCli(async () => {
  const { values, positionals } = parseArgs({ args: Deno.args, options: { out: { type: "string" }, bandwidth: { type: "string" }, help: { type: "boolean" } }, allowPositionals: true });
  if (values.help) return console.log(USAGE);
  if (positionals.length !== 1 || !values.out) throw new ConfigError(USAGE);
  const bandwidth = Number(values.bandwidth ?? 1.5);
  if (![1.5, 3, 6, 12, 24].includes(bandwidth)) throw new ConfigError(`--bandwidth: expected 1.5, 3, 6, 12 or 24, got ${values.bandwidth}`);
  // Default file for a bare Hub repo: EnCodec's safetensors (other kinds name their file in the ref).
  const model = await loadConverted(positionals[0], "model.safetensors", { bandwidth }, { onProgress: progressPrinter(), log: (m) => console.error(m) });
  await Deno.mkdir(values.out, { recursive: true });
  for (const file of [...Object.values(model.descriptor.graphs), DESCRIPTOR]) {
    await Deno.writeFile(`${values.out}/${file}`, await model.read(file));
  }
  console.error(`${values.out}: ${model.descriptor.kind} (${Object.values(model.descriptor.graphs).join(", ")}, ${DESCRIPTOR})`);
});
