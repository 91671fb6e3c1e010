// Logs to the console and to a file, each at its own level (the seed's console_level / file_level).
// Format follows the seed: "time - LEVEL - message".
import type { Fields, Logger } from "../core/log.ts";
import type { LogLevel } from "../core/config/types.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };
const NAME: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warning: "WARNING", error: "ERROR" };

export interface DenoLogger extends Logger {
  close(): void;
  /** Called before a console line is printed (so a live progress bar can step aside). */
  beforeConsole?: () => void;
}

export function createLogger(options: { consoleLevel: LogLevel; fileLevel?: LogLevel; logFile?: string }): DenoLogger {
  const file = options.logFile ? Deno.openSync(options.logFile, { append: true, create: true }) : undefined;
  const enc = new TextEncoder();
  const logger: DenoLogger = {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warning", m, f),
    error: (m, f) => emit("error", m, f),
    close: () => file?.close(),
  };
  function emit(level: LogLevel, message: string, fields?: Fields) {
    const line = `${new Date().toISOString()} - ${NAME[level]} - ${message}${fields ? " " + JSON.stringify(fields) : ""}`;
    if (RANK[level] >= RANK[options.consoleLevel]) {
      logger.beforeConsole?.();
      console.error(line);
    }
    if (file && RANK[level] >= RANK[options.fileLevel ?? "debug"]) file.writeSync(enc.encode(line + "\n"));
  }
  return logger;
}
