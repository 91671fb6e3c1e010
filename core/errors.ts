// Error classes shared by every layer. Messages name the place (file, field, row) so one line is enough.

/** A bad config value or file; `path` is the dotted field path, e.g. `processing.devices[1]`. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(message: string, readonly path?: string, options?: ErrorOptions) {
    super(path ? `${path}: ${message}` : message, options);
  }
}

/** Bad input data: a file, column or row that cannot be used. */
export class InputError extends Error {
  override name = "InputError";
}

/** A model file that cannot be loaded or converted (not a checkpoint, wrong architecture, truncated...). */
export class ModelError extends Error {
  override name = "ModelError";
}

/** An output location that cannot be written. Fatal: the run stops cleanly. */
export class StorageError extends Error {
  override name = "StorageError";
}

/** The device or session is gone (GPU lost, OOM): the worker must be replaced, items retried. */
export class DeviceError extends Error {
  override name = "DeviceError";
}

/** One line for the user: the message, plus the cause's message when it adds something. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return cause && !error.message.includes(cause) ? `${error.message}: ${cause}` : error.message;
  }
  return String(error);
}
