import type { IntakeSource } from './source.js';
import { genericSource } from './generic/routes.js';
import { gitlabSource } from './gitlab/routes.js';
import { legacySource } from './legacy/routes.js';
import { githubSource } from '../github/intake.js';

/** Every intake source; app.ts registers their routes in this order. */
export const INTAKE_SOURCES: readonly IntakeSource<never, unknown>[] = [
  legacySource,
  genericSource,
  gitlabSource,
  githubSource,
];
