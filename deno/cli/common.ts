// Shared by the model CLIs: one clear line and a non-zero exit for any known error.
import { ConfigError, describeError, InputError, ModelError } from "../../core/errors.ts";

export async function runCli(main: () => Promise<void>) {
  try {
    await main();
  } catch (e) {
    const known = e instanceof ModelError || e instanceof InputError || e instanceof ConfigError;
    console.error(`error: ${describeError(e)}`);
    if (!known && Deno.env.get("ICHIGO_DEBUG")) console.error(e);
    Deno.exit(known ? 2 : 1);
  }
}

export function progressPrinter() {
  let last = 0;
  return (label: string, loaded: number, total?: number) => {
    const now = Date.now();
    if (now - last < 500 && loaded !== total) return;
    last = now;
    const pct = total ? ` ${(100 * loaded / total).toFixed(0)}%` : "";
    console.error(`downloading ${label}: ${(loaded / 1e6).toFixed(1)} MB${pct}`);
  };
}
