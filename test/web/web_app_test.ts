// The browser app end to end: build it (vite), serve web/dist from a plain static server with COOP/COEP, and
// drive Debian's Chromium (headless, --enable-unsafe-webgpu) through playwright-core, in one browser context so
// the Origin Private File System persists across reloads:
// run 5 rows (each row shows before its shard exists) -> zip = the Deno CLI's shards -> reload keeps the 5 rows
// and the zip -> Rows 10, Continue, Stop mid-run -> reload -> Continue finishes rows 0..9, each index once ->
// a seed change starts a fresh output whose table shows all its rows (WebGPU) -> phone width, no sideways scroll.
// axe-core finds no serious or critical violation (empty page, after a run, phone width); the console stays clean.
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { unzipSync } from "fflate";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { runCli } from "../pipeline/cli_helpers.ts";

import { CHROMIUM, hasChromium, ROOT } from "./chromium.ts";

const TYPES: Record<string, string> = { html: "text/html", js: "text/javascript", css: "text/css", wasm: "application/wasm", mjs: "text/javascript", svg: "image/svg+xml" };

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
  save_batch_size: 5
  batch_size: 1
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

const AXE = `${ROOT}/node_modules/axe-core/axe.min.js`;

/** axe-core's serious and critical violations on the page as it is now. */
async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.addScriptTag({ path: AXE });
  return await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const result = await (globalThis as any).axe.run(document, { resultTypes: ["violations"] });
    // deno-lint-ignore no-explicit-any
    return result.violations.filter((v: any) => v.impact === "serious" || v.impact === "critical")
      // deno-lint-ignore no-explicit-any
      .map((v: any) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
  });
}

async function zipOf(page: Page): Promise<Record<string, Uint8Array>> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download]")]);
  return unzipSync(await Deno.readFile((await download.path())!));
}

const tokenShards = (zip: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(zip).filter(([n]) => n.startsWith("audio_tokens_")).map(([n, b]) => [n, new TextDecoder().decode(b)]));

/** Every index in the zip's token shards and failed files, in file order (duplicates kept). */
function indicesOf(zip: Record<string, Uint8Array>): number[] {
  const out: number[] = [];
  for (const [name, bytes] of Object.entries(zip)) {
    if (/^audio_tokens_.*\.csv$/.test(name)) out.push(...decodeCsv(bytes).map((r) => r.index));
    if (/^failed_indices_.*\.json$/.test(name)) out.push(...JSON.parse(new TextDecoder().decode(bytes)));
  }
  return out;
}

const rowCount = (page: Page) => page.locator("[data-testid=results] tbody tr").count();
const runsEnded = async (page: Page) => Number(await page.getAttribute("body", "data-runs"));
/** Clicks `selector` (a Run, Continue or Retry button) and waits until that run has ended. */
async function runAndWait(page: Page, selector: string, during?: () => Promise<void>) {
  const before = await runsEnded(page);
  await page.click(selector);
  await during?.();
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n && document.body.dataset.phase === "idle", before, { timeout: 300_000 });
}

Deno.test({ name: "browser app: OPFS results survive reloads, Continue after Stop, fresh output on a seed change, accessible, phone width", ignore: !hasChromium, sanitizeResources: false, sanitizeOps: false }, async () => {
  await build();
  const server = serve(`${ROOT}/web/dist`);
  const dir = await Deno.makeTempDir({ prefix: "web_app_" });
  const cli = cliShards(5, dir); // in parallel with the page's first run
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--enable-unsafe-webgpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`page error: ${e}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    page.on("dialog", (d) => void d.accept());
    const failWith = async (e: unknown) => {
      throw new Error(`${e}\npage log:\n${await page.textContent("#log")}\nerrors: ${errors.join("\n")}`);
    };
    await page.goto(url);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    assert.deepEqual(await axeProblems(page), [], "empty page");
    // Chromium's only adapter here is software (SwiftShader): wasm is the default, with the reason shown.
    await page.waitForFunction(() => !document.getElementById("runtime")!.textContent!.startsWith("checking"));
    assert.equal(await page.inputValue("#device"), "wasm", await page.textContent("#runtime") ?? "");

    await page.setInputFiles("[data-testid=dataset-input]", `${ROOT}/data/sample_prompts.parquet`);
    await page.waitForSelector("[data-testid=run]:not([disabled])");
    assert.match(await page.textContent("#dataset-info") ?? "", /Text from "prompt", index from "index"/);

    // 1. Five rows, one shard of 5: each row shows as soon as it finishes, before the shard file exists.
    await page.fill("#rows", "5");
    await page.fill("#batch", "1");
    await page.fill("#save-batch", "5");
    await page.locator("#save-batch").blur();
    let early = { shown: 0, shards: -1 };
    await runAndWait(page, "[data-testid=run]", async () => {
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=results] tbody tr").length >= 1, null, { timeout: 300_000 }).catch(failWith);
      early = await page.evaluate(async () => {
        const shown = document.querySelectorAll("[data-testid=results] tbody tr").length;
        const outputs = await (await navigator.storage.getDirectory()).getDirectoryHandle("outputs");
        const names: string[] = [];
        // deno-lint-ignore no-explicit-any
        for await (const [, out] of (outputs as any).entries()) for await (const [n] of out.entries()) names.push(n);
        return { shown, shards: names.filter((n) => n.startsWith("audio_tokens_")).length };
      });
    }).catch(failWith);
    assert.ok(early.shown >= 1 && early.shards === 0, JSON.stringify(early));
    assert.equal(await rowCount(page), 5);
    assert.match(await page.textContent("[data-testid=progress]") ?? "", /(\d) of 5 done/);
    assert.equal(await page.getAttribute("#progressbar", "aria-valuenow"), "5");
    assert.match(await page.textContent("#announce") ?? "", /finished: \d done, \d failed/);
    const failed = await page.locator("[data-testid=results] tbody tr.failed").count();
    assert.equal(await page.locator("[data-testid=picture]").count(), 5 - failed);
    assert.equal(await page.textContent("[data-testid=run]"), "All 5 rows done");
    const zip1 = await zipOf(page);
    assert.ok(zip1["manifest.json"], "the zip holds the run manifest");
    assert.deepEqual(tokenShards(zip1), await cli);
    // listen: the EnCodec decoder turns a row's tokens back into audio and draws its waveform
    await page.locator("[data-testid=play]").first().click();
    await page.waitForSelector("audio", { timeout: 120_000 }).catch(failWith);
    assert.deepEqual(await axeProblems(page), [], "after a run, results table open");

    // 2. Reload: the dataset, settings, 5 rows and the zip are still there; the page offers to continue.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=results] tbody tr").length === 5, null, { timeout: 60_000 }).catch(failWith);
    assert.equal(await page.inputValue("#rows"), "5");
    assert.match(await page.textContent("#restore-text") ?? "", /5 of 5 rows of sample_prompts\.parquet/);
    assert.deepEqual(tokenShards(await zipOf(page)), tokenShards(zip1));

    // 3. Rows is the target total: 10 means 5 more. Stop mid-run (nothing covers Stop); Continue, then reload in
    // the middle of a run (the journal keeps rows whose shard was not written yet); Continue again to the end.
    await page.fill("#rows", "10");
    await page.locator("#rows").blur();
    await page.waitForSelector("[data-testid=run]:text('Continue (5 of 10 done)')");
    await runAndWait(page, "[data-testid=run]", async () => {
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=results] tbody tr").length >= 6, null, { timeout: 300_000 }).catch(failWith);
      await page.click("[data-testid=stop]", { timeout: 5_000 });
    }).catch(failWith);
    const afterStop = await rowCount(page);
    assert.ok(afterStop >= 6 && afterStop < 10, `rows after stop: ${afterStop}`);
    assert.match(await page.textContent("#announce") ?? "", /stopped: .*Continue does the rest/);
    await page.click(`[data-testid=run]:text('Continue (${afterStop} of 10 done)')`);
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=results] tbody tr").length > n, afterStop, { timeout: 300_000 }).catch(failWith);
    const seen = await rowCount(page);
    await page.reload();
    await page.waitForSelector("#restore:not([hidden])", { timeout: 60_000 }).catch(failWith);
    const kept = await rowCount(page);
    assert.ok(kept >= seen && kept < 10, `rows shown before the reload: ${seen}, after: ${kept}`);
    assert.match(await page.textContent("#log") ?? "", /finished before the page closed were saved/);
    await runAndWait(page, "#restore-continue").catch(failWith);
    assert.equal(await rowCount(page), 10);
    const indices = indicesOf(await zipOf(page)).sort((a, b) => a - b);
    assert.deepEqual(indices, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "each index once");

    // Retry failed rows redoes only the failed row(s); a bad value names its field and blocks Run.
    const failedBefore = await page.locator("[data-testid=results] tbody tr.failed").count();
    if (failedBefore > 0) {
      await runAndWait(page, "[data-testid=retry]").catch(failWith);
      assert.match(await page.textContent("#log") ?? "", new RegExp(`retrying ${failedBefore} failed row`));
      assert.equal(await rowCount(page), 10);
      assert.ok(await page.locator("[data-testid=results] tbody tr.failed").count() <= failedBefore);
    }
    await page.fill("#batch", "0");
    await page.locator("#batch").blur();
    await page.waitForSelector("[data-testid=output-note]:text('Batch size: must be more than 0')");
    assert.equal(await page.isDisabled("[data-testid=run]"), true);
    await page.fill("#batch", "1");
    await page.locator("#batch").blur();

    // 4. A seed change starts a fresh output, said on the page; its table shows all its rows (WebGPU here).
    await page.fill("#seed", "1");
    await page.locator("#seed").blur();
    await page.waitForSelector("[data-testid=output-note]:text('seed 0 → 1')");
    assert.equal(await rowCount(page), 0);
    await page.fill("#rows", "1"); // one row: WebGPU on SwiftShader is slow
    await page.selectOption("#device", "webgpu");
    await runAndWait(page, "[data-testid=run]", async () => {
      // A second tab (same settings, so the same output) cannot run it while this tab does.
      const tab2 = await context.newPage();
      await tab2.goto(url);
      await tab2.click("[data-testid=run]:not([disabled])");
      await tab2.waitForSelector("#run-error:text('another tab of this page is running this output')");
      await tab2.close();
    }).catch(failWith);
    assert.match(await page.textContent("#log") ?? "", /worker 0: webgpu/);
    assert.equal(await rowCount(page), 1);
    // back to seed 0: its stored output (10 rows) comes back
    await page.fill("#seed", "0");
    await page.locator("#seed").blur();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=results] tbody tr").length === 10);
    // The storage line is refreshed in the background after each change.
    await page.waitForSelector("[data-testid=stored]:text('2 output(s)')", { timeout: 15_000 }).catch(failWith);

    await page.screenshot({ path: `${dir}/finished-1280x800.png`, fullPage: true });
    // 5. Phone width: nothing scrolls sideways; the results are a stacked list.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390);
    assert.deepEqual(await axeProblems(page), [], "phone width");
    await page.screenshot({ path: `${dir}/finished-390x844.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(errors, [], "a clean run logs no console errors");

    // 6. Clear stored results: every output goes, the dataset stays.
    await page.click("[data-testid=clear-stored]");
    await page.waitForSelector("[data-testid=stored]:text('Nothing stored in this browser yet')");
    assert.equal(await rowCount(page), 0);
    assert.equal(await page.textContent("[data-testid=run]"), "Run");

    // 7. Hub models. A download that hangs: the page stays usable and Stop ends the preparation at once.
    await context.route("https://huggingface.co/**", () => {}); // never answered
    await page.check("input[name=models][value=hub]");
    await runAndWait(page, "[data-testid=run]", async () => {
      await page.waitForSelector("[data-testid=model-status]:has-text('checking collabora/whisperspeech')");
      await page.click("[data-testid=stop]", { timeout: 5_000 });
    }).catch(failWith);
    assert.match(await page.textContent("#log") ?? "", /stopped before the models were ready; nothing was run/);
    // The Hub unreachable: one try, then the way out is named (failed requests log console errors: last).
    await context.unrouteAll({ behavior: "ignoreErrors" });
    await context.route("https://huggingface.co/**", (r) => r.abort());
    await page.click("[data-testid=run]");
    await page.waitForSelector("[data-testid=model-status].error", { timeout: 60_000 });
    assert.match(await page.textContent("[data-testid=model-status]") ?? "", /Hub is unreachable.*use the demo models or drop checkpoint files/);
    console.log(`screenshots: ${dir}/finished-1280x800.png, ${dir}/finished-390x844.png`);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});

Deno.test({ name: "browser app: a bad file gets a readable message; a CSV without a text column asks for one", ignore: !hasChromium, sanitizeResources: false, sanitizeOps: false }, async () => {
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
    const tmp = await Deno.makeTempDir();
    Deno.writeTextFileSync(`${tmp}/broken.parquet`, "PAR1 not really a parquet file");
    await page.setInputFiles("[data-testid=dataset-input]", `${tmp}/broken.parquet`);
    await page.waitForSelector("#dataset-info.error");
    assert.match(await page.textContent("#dataset-info") ?? "", /broken\.parquet: not a readable parquet file/);
    assert.equal(await page.isDisabled("[data-testid=run]"), true);
    assert.equal(await page.isDisabled("[data-testid=download]"), true);

    Deno.writeTextFileSync(`${tmp}/lines.csv`, "id,words\n1,hello there\n2,good night\n");
    await page.setInputFiles("[data-testid=dataset-input]", `${tmp}/lines.csv`);
    await page.waitForSelector("#columns:not([hidden])");
    assert.match(await page.textContent("#dataset-info") ?? "", /No column is called prompt or text: choose the text column/);
    assert.equal(await page.isDisabled("[data-testid=run]"), true);
    await page.selectOption("#text-col", "words");
    await page.waitForSelector("[data-testid=run]:not([disabled])");
    assert.match(await page.textContent("#dataset-info") ?? "", /Text from "words"/);

    await page.click("#hub-load");
    assert.match(await page.textContent("#dataset-info") ?? "", /Type a Hugging Face dataset name first/);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});
