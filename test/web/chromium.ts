// Debian's Chromium for the browser tests (playwright-core drives it); the tests are skipped where it is missing.
export const ROOT = new URL("../..", import.meta.url).pathname;
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
