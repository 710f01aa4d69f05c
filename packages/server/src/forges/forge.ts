import type { ProjectSource } from '@polytene/protocol';
import type { Project } from '../db/schema.js';
import { gitlabForge } from '../gitlab/forge.js';
import { githubForge } from '../github/forge.js';
import type { Forge } from './seam.js';

/** The interface lives in seam.ts, so that a forge's implementation imports it without a cycle. */
export type { Forge } from './seam.js';

/** The one place forges are registered: by project source; a project created by hand has none. */
const FORGES: Record<ProjectSource, Forge | null> = {
  manual: null,
  gitlab: gitlabForge,
  github: githubForge,
};

/** The forge of a project (or of a project source), or null when it has none. */
export function forgeFor(of: ProjectSource | Pick<Project, 'source'>): Forge | null {
  return FORGES[typeof of === 'string' ? of : of.source] ?? null;
}

/** Every registered forge, once each. */
export function allForges(): Forge[] {
  return [...new Set(Object.values(FORGES).filter((f): f is Forge => f !== null))];
}

/** For tests: puts `forge` behind `source` until the returned function restores the registered one. */
export function replaceForge(source: ProjectSource, forge: Forge | null): () => void {
  const before = FORGES[source];
  FORGES[source] = forge;
  return () => {
    FORGES[source] = before;
  };
}
