/**
 * Every enumeration the server stores and the API speaks, once. The database CHECK lists are compared
 * with these arrays by a test (server db/enum-checks.test.ts); deployment statuses, failure reasons and
 * log streams live next to the code that uses them (states.ts, runner.ts) and are listed there too.
 * No imports: the web bundles this file on its own (`@polytene/protocol/enums`).
 */

/** A user's role on the whole server. */
export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A member's role on a project: viewer looks, deployer also deploys, maintainer also changes it. */
export const MEMBER_ROLES = ['viewer', 'deployer', 'maintainer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** The languages of the UI and of notification email. */
export const LOCALES = ['en', 'pl'] as const;
export type Locale = (typeof LOCALES)[number];

/** Where a project came from: created by hand or imported from a forge. */
export const PROJECT_SOURCES = ['manual', 'gitlab'] as const;
export type ProjectSource = (typeof PROJECT_SOURCES)[number];

/** The state of something Polytene keeps in step in a forge: a deploy key, a webhook. */
export const FORGE_SYNC_STATES = ['pending', 'registered', 'failed'] as const;
export type ForgeSyncState = (typeof FORGE_SYNC_STATES)[number];

/** How a branch's builds are deployed: by a person, or as soon as CI succeeds. */
export const DEPLOYMENT_TYPES = ['manual', 'auto'] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** Who started a deployment: the auto-deploy rule or a person. */
export const DEPLOYMENT_TRIGGERS = ['auto', 'user'] as const;
export type DeploymentTrigger = (typeof DEPLOYMENT_TRIGGERS)[number];

/** Which intake recorded a build. */
export const BUILD_SOURCES = ['gitlab_pipeline', 'gitlab_job', 'legacy', 'generic', 'api'] as const;
export type BuildSource = (typeof BUILD_SOURCES)[number];

/** A CI pipeline's status as Polytene records it (GitLab's names; other CIs are mapped onto them). */
export const CI_STATUSES = [
  'created',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
] as const;
export type CiStatus = (typeof CI_STATUSES)[number];
