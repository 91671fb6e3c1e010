// SIGINT / SIGTERM during a run. The first signal stops dispatching rows and starting workers; rows in flight
// get GRACE_MS to land, then the workers are ended (those rows are redone by the next run) so that what is
// finished gets written; whatever happens the process is gone after HARD_MS. A second signal exits at once.
// Exit codes follow the shell: 130 for SIGINT, 143 for SIGTERM.
import type { Logger } from "../core/log.ts";

export const GRACE_MS = 2_000;
export const HARD_MS = 4_500;
const CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export interface Shutdown {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** 130 or 143 once a signal came, else undefined. */
  code(): number | undefined;
  dispose(): void;
}

export function installShutdown(logger: Logger, onGraceOver: () => void): Shutdown {
  const controller = new AbortController();
  let code: number | undefined;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const handlers = (Object.keys(CODES) as (keyof typeof CODES)[]).map((name) => {
    const handler = () => {
      if (code !== undefined) Deno.exit(code);
      code = CODES[name];
      logger.warn(`${name}: stopping; rows in flight get ${GRACE_MS / 1000} s, finished rows are written ` +
        `(send it again to quit now)`);
      controller.abort();
      timers.push(setTimeout(onGraceOver, GRACE_MS));
      const hard = setTimeout(() => {
        logger.error(`did not stop within ${HARD_MS / 1000} s; exiting`);
        Deno.exit(code);
      }, HARD_MS);
      timers.push(hard);
    };
    Deno.addSignalListener(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    code: () => code,
    dispose: () => {
      timers.forEach(clearTimeout);
      for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
    },
  };
}
