// A throwaway nats-server with JetStream on 127.0.0.1 (a free port, a temp store), for the scale-out tests.
// Debian's package: `apt-get install nats-server` (scripts/test.sh installs it when run as root).

export class NatsServer {
  #child?: Deno.ChildProcess;
  #log = "";
  #logDone?: Promise<void>;
  private constructor(readonly port: number, readonly storeDir: string, private extraArgs: string[]) {}

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Server output so far (for failure messages). */
  get log() {
    return this.#log;
  }

  /** `extraArgs`: e.g. ["--user", "u", "--pass", "p"] for an authenticated server. */
  static async start(extraArgs: string[] = []): Promise<NatsServer> {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const server = new NatsServer(port, await Deno.makeTempDir({ prefix: "nats_store_" }), extraArgs);
    await server.#spawn();
    return server;
  }

  /** Stops the server (SIGTERM: a clean shutdown) and starts it again on the same port and store. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    await child.status;
    await this.#logDone;
  }

  async cleanup(): Promise<void> {
    await this.stop("SIGKILL");
    await Deno.remove(this.storeDir, { recursive: true }).catch(() => {});
  }

  async #spawn() {
    let command: Deno.Command;
    try {
      command = new Deno.Command("nats-server", {
        args: ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.storeDir, ...this.extraArgs],
        stdout: "null",
        stderr: "piped",
      });
      this.#child = command.spawn();
    } catch (e) {
      throw new Error(`nats-server is needed for the scale-out tests (apt-get install -y nats-server): ${(e as Error).message}`);
    }
    let ready = () => {};
    const isReady = new Promise<void>((r) => (ready = r));
    let mine = "";
    this.#logDone = (async () => {
      for await (const chunk of this.#child!.stderr.pipeThrough(new TextDecoderStream())) {
        this.#log += chunk;
        mine += chunk;
        if (mine.includes("Server is ready")) ready();
      }
    })();
    const exited = this.#child.status.then((s) => {
      throw new Error(`nats-server exited (code ${s.code}) before it was ready:\n${this.#log}`);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nats-server not ready in 10 s:\n${this.#log}`)), 10_000);
    });
    try {
      await Promise.race([isReady, exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    exited.catch(() => {});
  }
}
