import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Paths hang off this file's folder, not the caller's working directory, so the build script,
// `npx vite build -c renderer/vite.config.ts` and an editor all agree. `import.meta.dirname`
// keeps Node imports out of renderer/ (the process-boundary lint rule).
const here = import.meta.dirname;

export default defineConfig({
  root: here,
  // Relative asset URLs: the same build loads from http://127.0.0.1:<port>/ and from app://.
  base: './',
  plugins: [react()],
  build: {
    outDir: `${here}/../dist/renderer`,
    emptyOutDir: true,
    // plotly's finance bundle alone is ~1.4 MB minified; it is loaded from disk, not a network.
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1' },
});
