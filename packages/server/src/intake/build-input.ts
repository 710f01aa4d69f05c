import type { BuildSource, CiStatus } from '@polytene/protocol';
import type { Actor } from '../audit/service.js';
import type { CommitInput } from '../builds/commit.js';

/** A build as an intake source maps its CI's payload to it, before recordBuild stores it. */
export interface BuildInput {
  source: BuildSource;
  /** The CI's own id of the pipeline/job/build; null when the CI gives none (then every call is a new build). */
  external_id: string | null;
  status: CiStatus;
  /** A branch or tag name; `refs/heads/` and `refs/tags/` are stripped (a `refs/tags/` ref is a tag). */
  ref: string;
  is_tag: boolean;
  sha: string;
  before_sha?: string | null;
  started_at?: Date | null;
  finished_at?: Date | null;
  /** The raw event as received, kept for people to look at. */
  payload?: unknown;
  /** What CI says about the commit and its pipeline; a later event keeps what an earlier one gave. */
  commit?: CommitInput;
  /** Who delivered it, for the audit log; intake without a person is recorded as `ci`. */
  actor?: Actor;
}
