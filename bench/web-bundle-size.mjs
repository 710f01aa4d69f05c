// First-page weight of the web UI: the JS and CSS index.html loads, gzip-compressed (target < 150 KB).
// Run after `npm run build`:  node bench/web-bundle-size.mjs
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = path.resolve('packages/web/dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let raw = 0;
let gzip = 0;
for (const asset of ['index.html', ...assets]) {
  const bytes = readFileSync(path.join(dist, asset));
  const zipped = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += zipped;
  console.log(
    `${asset.padEnd(36)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KB  gzip ${(zipped / 1024).toFixed(1).padStart(6)} KB`,
  );
}
console.log(
  `first page total: ${(raw / 1024).toFixed(1)} KB, gzip ${(gzip / 1024).toFixed(1)} KB (target < 150 KB)`,
);
if (gzip > 150 * 1024) process.exitCode = 1;
