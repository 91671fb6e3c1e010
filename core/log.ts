// Logging seam: core code logs through this interface; deno/ and web/ decide where lines go.

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

/** Discards everything (tests, benchmarks). */
export const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
