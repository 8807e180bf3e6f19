import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Built into dist/apps/console by its Nx build target (npm run build) and served at /console by the embedded process and the
// policy service (libs/server-kit ConsoleModule), next to /admin/v1 on the same origin.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/apps/console'),
    emptyOutDir: true,
    // No inline <script>/<style>: the console's Content-Security-Policy allows only 'self'.
    assetsInlineLimit: 0,
    // The entry (React + Mantine) is ~400 KB raw, ~120 KB gzip; gzip is what the first view downloads.
    chunkSizeWarningLimit: 450,
  },
  server: {
    // `npx vite --config apps/console/vite.config.mts` against `npm start` on 8080.
    proxy: { '/admin/v1': 'http://127.0.0.1:8080' },
  },
});
