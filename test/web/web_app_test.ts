// The browser app end to end: build it (vite), serve web/dist from a plain static server with COOP/COEP, and
// drive Debian's Chromium (headless, --enable-unsafe-webgpu) through playwright-core: drop the sample parquet,
// run test mode with the demo models on wasm and on WebGPU, check progress, play buttons and pictures, and check
// that the downloaded zip holds the same shards as the Deno CLI writes for the same rows, settings and seed.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { unzipSync } from "fflate";
import { runCli } from "../pipeline/cli_helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

const TYPES: Record<string, string> = { html: "text/html", js: "text/javascript", css: "text/css", wasm: "application/wasm", mjs: "text/javascript" };

async function build() {
  const out = await new Deno.Command(Deno.execPath(), { args: ["task", "web:build"], cwd: ROOT, stdout: "piped", stderr: "piped" }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** Any static host will do; this one adds the cross-origin isolation headers threads need. */
function serve(dir: string) {
  return Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const file = `${dir}${path.endsWith("/") ? `${path}index.html` : path}`;
    try {
      const body = await Deno.readFile(file);
      return new Response(body, {
        headers: {
          "content-type": TYPES[file.split(".").pop()!] ?? "application/octet-stream",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
        },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** What the Deno CLI writes for the same rows and settings (test mode, demo models, wasm). */
async function cliShards(rows: number, dir: string): Promise<Record<string, string>> {
  const cfg = `${dir}/cfg.yaml`;
  Deno.writeTextFileSync(cfg, `dataset:
  name: ${ROOT}/data/sample_prompts.parquet
  text_column: prompt
  index_column: index
processing:
  devices: [wasm]
  num_procs_per_device: 1
  save_dir: ${dir}/out
  save_batch_size: 2
  batch_size: 2
  seed: 0
  temperature: 0.7
test:
  num_samples: ${rows}
models: {t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec"}
`);
  const run = await runCli(["--config", cfg, "--test"], { ICHIGO_CACHE: `${dir}/cache` });
  assert.equal(run.code, 0, run.stderr);
  const files: Record<string, string> = {};
  for (const e of Deno.readDirSync(`${dir}/out`)) if (e.name.startsWith("audio_tokens_")) files[e.name] = Deno.readTextFileSync(`${dir}/out/${e.name}`);
  return files;
}

Deno.test({ name: "browser app: drop parquet, run on wasm and webgpu, listen, download = CLI shards", ignore: !hasChromium, sanitizeResources: false, sanitizeOps: false }, async () => {
  await build();
  const server = serve(`${ROOT}/web/dist`);
  const dir = await Deno.makeTempDir({ prefix: "web_app_" });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--enable-unsafe-webgpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    await page.setInputFiles("[data-testid=dataset-input]", `${ROOT}/data/sample_prompts.parquet`);
    await page.waitForSelector("[data-testid=run]:not([disabled])");
    assert.match(await page.textContent("#dataset-info") ?? "", /prompt/);

    const runOnce = async (device: string, rows: number) => {
      await page.fill("#rows", String(rows));
      await page.selectOption("#device", device);
      await page.fill("#batch", "2");
      await page.fill("#save-batch", "2");
      const before = (await page.textContent("#log") ?? "").split("finished: ").length;
      await page.click("[data-testid=run]");
      await page.waitForFunction((n) => (document.getElementById("log")!.textContent ?? "").split("finished: ").length > n, before, { timeout: 300_000 });
      return await page.textContent("#log") ?? "";
    };

    // wasm: compare the zip with the CLI's shards
    const log = await runOnce("wasm", 4);
    assert.match(log, /worker 0: wasm/);
    // Demo models have random weights: a row may fail ("too little speech"); it is listed with its reason.
    const progress = (await page.textContent("[data-testid=progress]")) ?? "";
    const [, done, failed] = progress.match(/4\/4 \(done (\d), failed (\d)\)/) ?? [];
    assert.ok(done, progress);
    assert.equal(await page.locator("[data-testid=results] tbody tr").count(), 4);
    assert.equal(await page.locator("[data-testid=results] tbody tr.failed").count(), Number(failed));
    assert.equal(await page.locator("[data-testid=picture]").count(), Number(done));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download]")]);
    const zip = unzipSync(await Deno.readFile((await download.path())!));
    const fromPage = Object.fromEntries(Object.entries(zip).filter(([n]) => n.startsWith("audio_tokens_")).map(([n, b]) => [n, new TextDecoder().decode(b)]));
    assert.ok(zip["manifest.json"], "the zip holds the run manifest");
    assert.deepEqual(fromPage, await cliShards(4, dir));

    // listen: the EnCodec decoder turns a row's tokens back into audio and draws its waveform
    await page.locator("[data-testid=play]").first().click();
    await page.waitForSelector("audio", { timeout: 120_000 }).catch(async (e) => {
      throw new Error(`${e}\npage log:\n${await page.textContent("#log")}\npage errors: ${errors.join("\n")}`);
    });
    assert.ok(await page.locator("audio").first().getAttribute("src"));

    await page.screenshot({ path: `${dir}/finished-1280x800.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${dir}/finished-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // WebGPU (Chromium's SwiftShader adapter in CI): a new seed starts a fresh output; one row keeps it short
    await page.fill("#seed", "1");
    const gpuLog = await runOnce("webgpu", 1);
    assert.match(gpuLog, /worker 0: webgpu/);
    assert.match(await page.textContent("[data-testid=progress]") ?? "", /1\/1 \(done 1, failed 0\)/);
    assert.deepEqual(errors, []);
    console.log(`screenshots: ${dir}/finished-1280x800.png, ${dir}/finished-phone.png`);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});

Deno.test({ name: "browser app: a bad file gets a readable message in the page", ignore: !hasChromium, sanitizeResources: false, sanitizeOps: false }, async () => {
  // uses the build made by the test above when run in the same process; build again when alone
  try {
    Deno.statSync(`${ROOT}/web/dist/index.html`);
  } catch {
    await build();
  }
  const server = serve(`${ROOT}/web/dist`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    const bad = `${await Deno.makeTempDir()}/broken.parquet`;
    Deno.writeTextFileSync(bad, "PAR1 not really a parquet file");
    await page.setInputFiles("[data-testid=dataset-input]", bad);
    await page.waitForSelector("#dataset-info .error");
    assert.match(await page.textContent("#dataset-info .error") ?? "", /broken\.parquet: not a readable parquet file/);
    assert.equal(await page.isDisabled("[data-testid=run]"), true);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});
