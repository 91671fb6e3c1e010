// The range plan's settings, and a readable diff when two coordinators disagree. The settings that decide the
// tokens are the job identity (core/job/identity.ts), shared with single-machine runs.
import type { PipelineConfig } from "../config/types.ts";
import type { PlanParams } from "./messages.ts";

export function planParamsOf(config: PipelineConfig): PlanParams {
  const d = config.dataset;
  return {
    dataset: `${d.name} (${d.subset ?? "default"}/${d.split}, ${d.text_column}, ${d.index_column})`,
    remaining_indices_file: d.remaining_indices_file ?? null,
    test_mode: config.test_mode,
    num_samples: config.test_mode ? config.num_samples : null,
    range_size: config.distributed?.range_size ?? config.processing.save_batch_size,
  };
}

/** `key: ours vs theirs` for every leaf that differs (empty when equal). */
export function diffSettings(ours: object, theirs: object, prefix = ""): string[] {
  const out: string[] = [];
  const a = ours as Record<string, unknown>;
  const b = theirs as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const [x, y] = [a[key], b[key]];
    if (x && y && typeof x === "object" && typeof y === "object") out.push(...diffSettings(x, y, `${prefix}${key}.`));
    else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${prefix}${key}: ${JSON.stringify(x)} here vs ${JSON.stringify(y)}`);
  }
  return out;
}
