/**
 * The API's answers, one schema each: the server validates and documents its responses with them, the
 * web reads their types with `import type` (docs/architecture.md, "The API contract").
 */
export * from './common.js';
export * from './users.js';
export * from './runners.js';
export * from './deployments.js';
export * from './builds.js';
export * from './projects.js';
export * from './branches.js';
export * from './audit.js';
export * from './dashboard.js';
export * from './gitlab.js';
export * from './invitations.js';
export * from './dora.js';
export * from './notifications.js';
export * from './environments.js';
export * from './events.js';
export * from './freeze.js';
export * from './log-sections.js';
