import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is a static bundle served by Mailroom under /console; `npm run build` writes it to dist/console.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // external files only: the server's Content-Security-Policy allows no inline script or data: script
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
