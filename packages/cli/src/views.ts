import type { ApprovalDecision, DeploymentStatus, LogLine } from '@polytene/protocol';

/** The parts of the server's JSON views the CLI reads (the server's TypeBox schemas are the source). */
export interface ProjectView {
  id: number;
  name: string;
  default_branch: string;
  runner: { id: number; name: string } | null;
  access: string;
}

export interface BuildView {
  id: number;
  project_id: number;
  status: string;
  ref: string;
  sha: string;
  created_at: string;
  deployment_status: string;
}

export interface DeploymentView {
  id: number;
  build: { id: number; ref: string; sha: string };
  project: { id: number; name: string };
  environment: string;
  status: DeploymentStatus;
  failure_reason: string | null;
  exit_code: number | null;
  message: string | null;
  trigger: string;
  /** A build older than the one live in the environment. */
  rollback?: boolean;
  triggered_by: { id: number; login: string } | null;
  runner: { id: number; name: string } | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  last_log_n: number;
  /** Absent from servers before approvals (0016). */
  required_approvals?: number;
  approvals?: { user: { id: number; login: string }; decision: ApprovalDecision; comment: string | null }[];
}

export interface LogPage {
  lines: LogLine[];
  last_n: number;
  status: DeploymentStatus;
  cancel_requested: boolean;
}

export interface Paged {
  total: number;
  page: number;
  per_page: number;
}

export interface SessionView {
  user: { id: number; login: string; name?: string; role?: string };
  must_change_password: boolean;
}
