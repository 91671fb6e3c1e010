// Imported first in worker entries: onnxruntime-web resolves its files against `location`, which in a Deno
// worker has origin "null" and breaks `new URL(...)`. Hiding it makes ORT use import.meta.url (runtime.md 4.4).
Object.defineProperty(globalThis, "location", { value: undefined, configurable: true, writable: true });
