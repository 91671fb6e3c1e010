// Keeps the layout honest: core/ and models/ are runtime-neutral; core/ depends on nothing outside itself.
import assert from "node:assert/strict";

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...files(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

const root = new URL("..", import.meta.url).pathname;
const RUNTIME = [/(?<![.\w])Deno\./, /(?<![.\w])document\./, /(?<![.\w])window\./, /\blocalStorage\b/, /from ["']node:/, /\bconsole\./];

for (const dir of ["core", "models"]) {
  Deno.test(`${dir}/ touches no runtime API (Deno, DOM, node:, console)`, () => {
    const bad: string[] = [];
    for (const f of files(`${root}${dir}`)) {
      Deno.readTextFileSync(f).split("\n").forEach((line, i) => {
        if (line.trim().startsWith("//") || line.trim().startsWith("*")) return;
        if (RUNTIME.some((re) => re.test(line))) bad.push(`${f.slice(root.length)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(bad, []);
  });
}

Deno.test("core/ imports nothing from models/, deno/, web/ or test/", () => {
  const bad: string[] = [];
  for (const f of files(`${root}core`)) {
    for (const m of Deno.readTextFileSync(f).matchAll(/from ["'](\.[^"']+)["']/g)) {
      const target = new URL(m[1], `file://${f}`).pathname.slice(root.length);
      if (!target.startsWith("core/")) bad.push(`${f.slice(root.length)} -> ${target}`);
    }
  }
  assert.deepEqual(bad, []);
});
