// Builds the dashboard (ui/) into dist/ui, which `corral serve` serves at /
// (src/transports/http/dashboard.ts). Everything is bundled: the page loads
// nothing from outside the server. `npm run dev:ui` serves it with hot reload
// and forwards /api (the live WebSocket included) to a Corral on :8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One file per page would be smaller at first load; the whole app is ~90 KiB gzipped, so keep it simple.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
