// The reference Storage: a Map. Writes replace whole values, so they are atomic by construction.
import type { Storage } from "./storage.ts";

export class MemoryStorage implements Storage {
  readonly files = new Map<string, Uint8Array>();
  constructor(readonly label = "memory") {}
  write(path: string, data: Uint8Array): Promise<void> {
    this.files.set(path, data.slice());
    return Promise.resolve();
  }
  read(path: string): Promise<Uint8Array | undefined> {
    const data = this.files.get(path);
    return Promise.resolve(data?.slice());
  }
  list(prefix = ""): Promise<string[]> {
    return Promise.resolve([...this.files.keys()].filter((p) => p.startsWith(prefix)).sort());
  }
  remove(path: string): Promise<void> {
    this.files.delete(path);
    return Promise.resolve();
  }
}
