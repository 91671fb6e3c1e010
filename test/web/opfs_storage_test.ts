// The OPFS Storage (web/opfs_storage.ts) runs the shared Storage contract inside Debian's Chromium: the module is
// bundled for the browser, served, and each Storage call of the contract is made in the page (page.evaluate),
// on a fresh OPFS folder per contract case.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import type { Storage } from "../../core/sink/storage.ts";
import { storageContract } from "../contracts/storage_contract.ts";

import { CHROMIUM, hasChromium, ROOT } from "./chromium.ts";

async function bundle(dir: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "-o", `${dir}/opfs_storage.js`, `${ROOT}/web/opfs_storage.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

if (hasChromium) {
  const dir = await Deno.makeTempDir({ prefix: "opfs_" });
  await bundle(dir);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/opfs_storage.js") return new Response(await Deno.readFile(`${dir}/opfs_storage.js`), { headers: { "content-type": "text/javascript" } });
    return new Response("<!doctype html><title>opfs</title>", { headers: { "content-type": "text/html" } });
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.addr.port}/`);
  await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    (globalThis as any).OpfsStorage = (await import("/opfs_storage.js" as string)).OpfsStorage;
  });
  let n = 0;
  // The contract's Storage: every call runs in the page, on an OPFS folder of its own.
  const inPage = (folder: string): Storage => {
    const call = <T>(method: string, ...args: unknown[]) =>
      page.evaluate(async ([folder, method, args]) => {
        // deno-lint-ignore no-explicit-any
        const s = new (globalThis as any).OpfsStorage(folder);
        const a = (args as unknown[]).map((x) => (Array.isArray(x) ? Uint8Array.from(x as number[]) : x));
        const r = await s[method as string](...a);
        return r instanceof Uint8Array ? { bytes: Array.from(r) } : r;
      }, [folder, method, args] as const) as Promise<T>;
    return {
      label: folder,
      write: (p, data) => call("write", p, Array.from(data)),
      read: async (p) => {
        const r = await call<{ bytes: number[] } | undefined>("read", p);
        return r && Uint8Array.from(r.bytes);
      },
      list: (prefix) => call("list", prefix),
      remove: (p) => call("remove", p),
    };
  };
  storageContract("OpfsStorage (Chromium)", () => Promise.resolve(inPage(`contract-${++n}`)));

  Deno.test("OpfsStorage (Chromium): a temp file left by a crashed write is not listed; size counts bytes", async () => {
    const result = await page.evaluate(async () => {
      // deno-lint-ignore no-explicit-any
      const s = new (globalThis as any).OpfsStorage("crash");
      await s.write("a.csv", new Uint8Array(10));
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle("crash");
      await dir.getFileHandle(".tmp-b.csv-123", { create: true });
      return { list: await s.list(), size: await s.size() };
    });
    assert.deepEqual(result, { list: ["a.csv"], size: 10 });
  });

  Deno.test("OpfsStorage (Chromium): close the browser", async () => {
    await browser.close();
    await server.shutdown();
  });
}
