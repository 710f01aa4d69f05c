/**
 * The API's request bodies, one schema each: the server validates and documents them, the web types
 * what it sends with them through `import type` (docs/architecture.md, "The API contract").
 */
export * from './account.js';
export * from './projects.js';
export * from './branches.js';
export * from './runners.js';
export * from './gitlab.js';
export * from './environments.js';
export * from './freeze.js';
export * from './deployments.js';
