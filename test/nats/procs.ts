// Child processes for the scale-out test: the CLI entry points run as users run them, stderr collected so a
// test can wait for a log line, and a kill-everything cleanup for `finally`.
const DENO = Deno.execPath();

export class Proc {
  #child: Deno.ChildProcess;
  #log = "";
  #reading: Promise<void>;
  #waiters: (() => void)[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  exited = false;

  constructor(readonly name: string, script: string, args: string[], env: Record<string, string>) {
    const child = new Deno.Command(DENO, { args: ["run", "-A", script, ...args], env: { NO_COLOR: "1", ...env }, stdout: "null", stderr: "piped" }).spawn();
    this.#child = child;
    this.status = child.status.then((s) => ((this.exited = true), this.#wake(), s));
    this.#reading = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#log += chunk;
        this.#wake();
      }
    })();
  }

  get log() {
    return this.#log;
  }

  #wake() {
    const w = this.#waiters;
    this.#waiters = [];
    w.forEach((f) => f());
  }

  /** Waits until the log matches `re` (or fails when the process exits first or `timeoutMs` passes). */
  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#log.match(re);
      if (m) return m;
      if (this.exited) throw new Error(`${this.name} exited before ${re}:\n${this.#log}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no ${re} within ${timeoutMs} ms:\n${this.#log}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        timer = setTimeout(r, left);
      });
      clearTimeout(timer);
    }
  }

  /** The exit code, or a failure naming the process when it runs past `timeoutMs`. */
  async exitCode(timeoutMs: number): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} still running after ${timeoutMs} ms:\n${this.#log}`)), timeoutMs);
    });
    try {
      return (await Promise.race([this.status, late])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: Deno.Signal = "SIGKILL") {
    if (this.exited) return;
    try {
      this.#child.kill(signal);
    } catch { /* gone */ }
  }

  async close() {
    this.kill();
    await this.status;
    await this.#reading;
  }
}

/** Waits until `check` is true, polling (for conditions with no event to wait on, such as files appearing). */
export async function until(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
