// Fuzzing in CI: every reader under the seeded mutation fuzzer (scripts/fuzz.ts) for a small budget, in a
// child process so that a hang is caught by the timeout and a crash by the exit status.
// Longer runs on demand: deno task fuzz --iterations 100000 --seed N
import assert from "node:assert/strict";

const ITERATIONS = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 3000);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261124);
// Was 1 GiB before the checkpoint budgets (models/checkpoint/limits.ts); bombs now stop long before this.
const MAX_RSS_MIB = 512;

Deno.test(`fuzz: ${ITERATIONS} mutations per reader end in a result or the project's own error`, async () => {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/fuzz.ts", "--iterations", String(ITERATIONS), "--seed", String(SEED)],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(240_000),
  });
  const out = await cmd.output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.signal, null, `fuzzer killed (hang past the timeout?):\n${text}`);
  assert.equal(out.code, 0, `fuzzer failed:\n${text}`);
  const summary = text.match(/fuzz: (\d+) cases, 0 unexpected errors, peak RSS (\d+) MiB/);
  assert.ok(summary, `no summary line:\n${text}`);
  const targets = [...text.matchAll(/^[\w-]+: (\d+) cases, \d+ refused/gm)].map((m) => Number(m[1]));
  assert.ok(targets.length >= 8, `expected every reader, incl. the hostile checkpoints:\n${text}`);
  assert.ok(targets.every((n) => n === ITERATIONS), text);
  assert.equal(Number(summary[1]), ITERATIONS * targets.length);
  assert.ok(Number(summary[2]) < MAX_RSS_MIB, `peak RSS ${summary[2]} MiB`);
});
