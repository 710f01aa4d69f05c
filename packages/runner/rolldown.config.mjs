// The runner as one file (dist/polytene-runner.mjs) with its dependencies inlined, so a deploy host needs
// only Node and this file; an idle runner also needs about 20 MB less memory than when Node loads
// typebox's hundreds of modules one by one.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'rolldown';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default defineConfig({
  input: 'dist/cli.js',
  platform: 'node',
  transform: { define: { __POLYTENE_RUNNER_VERSION__: JSON.stringify(version) } },
  output: { file: 'dist/polytene-runner.mjs', format: 'esm', minify: true, sourcemap: true },
});
