// Shared by every command-line entry point: one clear line and exit code 2 for a known error (bad config,
// input, storage or model), 1 for anything else (with the stack under ICHIGO_DEBUG); otherwise the code
// `main` returns (0 when it returns nothing).
import type { Logger } from "../../core/log.ts";
import { ConfigError, describeError, InputError, ModelError, StorageError } from "../../core/errors.ts";
import { redactUrl } from "../../core/redact.ts";

export async function runCli(main: () => Promise<number | void>): Promise<never> {
  let code: number;
  try {
    code = (await main()) ?? 0;
  } catch (e) {
    const known = e instanceof ModelError || e instanceof InputError || e instanceof ConfigError || e instanceof StorageError;
    // Whatever path the error took, a URL in it loses its userinfo and token parameters.
    console.error(`error: ${redactUrl(describeError(e))}`);
    if (!known && Deno.env.get("ICHIGO_DEBUG")) console.error(e);
    code = known ? 2 : 1;
  }
  Deno.exit(code);
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

/** For read-only commands (remaining, combine): what the output scan finds damaged, one line each on stderr
 * (stdout may hold the command's result). */
export const stderrWarnings: Logger = {
  debug: () => {},
  info: () => {},
  warn: (m) => console.error(`warning: ${m}`),
  error: (m) => console.error(`error: ${m}`),
};
