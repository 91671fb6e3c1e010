// Logs to the console and to a file, each at its own level (the seed's console_level / file_level).
// Format follows the seed: "time - LEVEL - message".
import type { Fields, Logger } from "../core/log.ts";
import type { LogLevel } from "../core/config/types.ts";
import { cut } from "../core/config/bounds.ts";
import { ConfigError } from "../core/errors.ts";
import { redactUrl } from "../core/redact.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };
const NAME: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warning: "WARNING", error: "ERROR" };

export interface DenoLogger extends Logger {
  close(): void;
  /** Called before a console line is printed (so a live progress bar can step aside). */
  beforeConsole?: () => void;
}

export function createLogger(options: { consoleLevel: LogLevel; fileLevel?: LogLevel; logFile?: string }): DenoLogger {
  const file = options.logFile ? openLogFile(options.logFile) : undefined;
  const enc = new TextEncoder();
  const logger: DenoLogger = {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warning", m, f),
    error: (m, f) => emit("error", m, f),
    close: () => file?.close(),
  };
  function emit(level: LogLevel, message: string, fields?: Fields) {
    // Every line, console and file: URLs in messages (a dataset or model URL, a server) lose their credentials.
    const line = redactUrl(`${new Date().toISOString()} - ${NAME[level]} - ${message}${fields ? " " + JSON.stringify(fields) : ""}`);
    if (RANK[level] >= RANK[options.consoleLevel]) {
      logger.beforeConsole?.();
      console.error(line);
    }
    if (file && RANK[level] >= RANK[options.fileLevel ?? "debug"]) file.writeSync(enc.encode(line + "\n"));
  }
  return logger;
}

/** The log file, opened for appending at start: a path that cannot be used is a config error (exit 2), not a crash. */
function openLogFile(path: string): Deno.FsFile {
  try {
    return Deno.openSync(path, { append: true, create: true });
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "its folder does not exist"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : e instanceof Deno.errors.IsADirectory
      ? "it is a folder"
      : (e as Error).message.split(":")[0];
    throw new ConfigError(`cannot open "${cut(path)}" for appending (${why})`, "logging.log_file");
  }
}
