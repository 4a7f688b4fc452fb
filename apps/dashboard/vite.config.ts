/**
 * Two single-page apps in one build: the developer dashboard (index.html, served at `/`) and the
 * Admin Portal (portal.html, served at `/portal`). Assets land in dist/assets and are served by
 * the Portico server under `/_app/assets/` with a strict CSP: no inline script or style, so the
 * build must not inline anything (assetsInlineLimit 0, modulepreload polyfill off).
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/_app/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    rollupOptions: {
      input: {
        dashboard: resolve(import.meta.dirname, 'index.html'),
        portal: resolve(import.meta.dirname, 'portal.html'),
      },
    },
  },
});
