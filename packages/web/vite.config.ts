import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The browser UI: built into dist/ and served by the Polytene server at `/`. */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
