// Model references: a Hugging Face repo (+ file), a URL, or a local path (a checkpoint, or a folder of
// converted models). The forms accepted:
//   owner/repo                  -> the model kind's default file in that repo
//   owner/repo:file             -> WhisperSpeech style, e.g. collabora/whisperspeech:t2s-v1.1-small-en+pl.model
//   hf://owner/repo/path/file   -> explicit Hub file; append @revision to the repo (owner/repo@rev) for a revision
//   https://host/file.th        -> any URL
//   ./dir, /abs/file.th         -> local
//   demo:t2s, demo:s2a, demo:vocos, demo:encodec -> micro-size models with seeded random weights, made here
export type ModelRef =
  | { kind: "demo"; name: string }
  | { kind: "hub"; repo: string; file?: string; revision: string }
  | { kind: "url"; url: string }
  | { kind: "path"; path: string };

export function parseModelRef(ref: string): ModelRef {
  const r = ref.trim();
  if (r.startsWith("demo:")) return { kind: "demo", name: r.slice(5) };
  if (/^https?:\/\//.test(r)) return { kind: "url", url: r };
  if (r.startsWith("hf://")) {
    const parts = r.slice(5).split("/");
    if (parts.length < 2) throw new Error(`model ref "${ref}": expected hf://owner/repo[/file]`);
    const [repo, revision] = `${parts[0]}/${parts[1]}`.split("@");
    return { kind: "hub", repo, file: parts.slice(2).join("/") || undefined, revision: revision ?? "main" };
  }
  if (r.startsWith(".") || r.startsWith("/") || r.startsWith("~") || /^[A-Za-z]:\\/.test(r) || r.startsWith("file:")) {
    return { kind: "path", path: r.replace(/^file:\/\//, "") };
  }
  const m = r.match(/^([\w.-]+\/[\w.-]+)(?:@([\w./-]+))?(?::(.+))?$/);
  if (m) return { kind: "hub", repo: m[1], revision: m[2] ?? "main", file: m[3] };
  return { kind: "path", path: r };
}

/** The Hub's file URL: {endpoint}/{repo}/resolve/{revision}/{file}. */
export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const enc = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return `${endpoint.replace(/\/+$/, "")}/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(file)}`;
}

export function refLabel(ref: ModelRef): string {
  if (ref.kind === "demo") return `demo:${ref.name} (random weights)`;
  return ref.kind === "hub" ? `${ref.repo}${ref.file ? `:${ref.file}` : ""}` : ref.kind === "url" ? ref.url : ref.path;
}
