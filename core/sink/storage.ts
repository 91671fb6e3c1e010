// Where output goes. Implementations: MemoryStorage (core), Deno file system (deno/), OPFS/download (web/).

/** A flat namespace of files under the run's save_dir. Paths are relative, "/"-separated. */
export interface Storage {
  /** A name for messages, e.g. the save_dir path. */
  readonly label: string;
  /** Replaces `path` atomically and durably: readers see the old bytes or the new, never a prefix. */
  write(path: string, data: Uint8Array): Promise<void>;
  /** File bytes, or undefined when absent. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Paths (relative) starting with `prefix`. Absent when the backend cannot enumerate: resume is then off. */
  list?(prefix?: string): Promise<string[]>;
  remove?(path: string): Promise<void>;
  /** The sha256 and size of each file, in order, computed where it costs the caller least (a resume checks
   * every shard). Absent: files are read and hashed by the caller (core/sink/file_digests.ts). */
  digests?(paths: string[]): AsyncIterable<FileDigest>;
}

/** A file's sha256 (lowercase hex) and size; or that it is missing, or why it cannot be read. */
export interface FileDigest {
  path: string;
  sha256?: string;
  bytes?: number;
  missing?: true;
  error?: string;
}
