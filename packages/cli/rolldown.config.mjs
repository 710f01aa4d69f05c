// The CLI as one file (dist/polytene.mjs) with commander inlined: copy it anywhere Node runs.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'rolldown';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default defineConfig({
  input: 'dist/main.js',
  platform: 'node',
  transform: { define: { __POLYTENE_CLI_VERSION__: JSON.stringify(version) } },
  output: { file: 'dist/polytene.mjs', format: 'esm', minify: true, sourcemap: true },
});
