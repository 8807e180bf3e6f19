import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Built into dist/console by scripts/build.mjs and served at /console by the embedded process and the
// policy service (libs/server-kit ConsoleModule), next to /admin/v1 on the same origin.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/console'),
    emptyOutDir: true,
    // No inline <script>/<style>: the console's Content-Security-Policy allows only 'self'.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite --config apps/console/vite.config.ts` against `npm start` on 8080.
    proxy: { '/admin/v1': 'http://127.0.0.1:8080' },
  },
});
