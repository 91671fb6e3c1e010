// The browser app (web/): `deno task web:dev | web:build | web:preview`. Output in web/dist works from any static
// host (relative base). Threads in wasm need cross-origin isolation: dev/preview send COOP/COEP; elsewhere the
// page still runs, single-threaded.
import { defineConfig } from "vite";

const coi = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  root: "web",
  base: "./",
  server: { headers: coi },
  preview: { headers: coi },
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096 },
});
