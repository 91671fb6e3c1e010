// The seed's remaining_indices_file: a JSON list of dataset indices to restrict the run to.
import { ConfigError } from "../errors.ts";

export function readRemainingIndices(text: string, path: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: remaining_indices_file is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(value)) throw new ConfigError(`${path}: remaining_indices_file must be a JSON list of integers`);
  value.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw new ConfigError(`${path}: entry [${i}] is ${JSON.stringify(v)}, not a non-negative integer`);
    }
  });
  return value as number[];
}
