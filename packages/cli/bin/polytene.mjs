#!/usr/bin/env node
// `npx polytene` in the repository: npm links this committed launcher at install time (a bin in dist/
// would not exist yet then), and it runs the bundle that `npm run build` makes.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/polytene.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('polytene is not built yet: run `npm run build` in the repository first');
  process.exit(1);
}
await import(bundle.href);
