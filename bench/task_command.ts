// A deno.json task's command line (`deno run -A --v8-flags=... deno/main.ts`), for benches that must measure a
// command as users run it: the same runtime flags, the script by its absolute path.
const ROOT = new URL("..", import.meta.url).pathname;

/** The arguments after `deno` of task `name`, with extra arguments appended. */
export function taskArgs(name: string, extra: string[] = []): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)).tasks as Record<string, string>;
  const words = tasks[name]?.split(/\s+/);
  if (!words || words[0] !== "deno" || words[1] !== "run") throw new Error(`deno.json: task ${name} is not a "deno run" command`);
  return words.slice(1).map((w) => (/\.ts$/.test(w) && !w.startsWith("/") ? `${ROOT}${w}` : w)).concat(extra);
}
