/** What the caller may do on a project, as the server reports it (the rules it enforces). */
import type { ProjectPermissions, ProjectView } from '@polytene/protocol';

/** No permission: what the UI assumes until the server has said otherwise. */
export const NO_PERMISSIONS: ProjectPermissions = {
  deploy: false,
  edit_branches: false,
  edit_environments: false,
  edit_variables: false,
  edit_project: false,
  delete_project: false,
  manage_members: false,
};

export function permissionsOf(project: ProjectView | null | undefined): ProjectPermissions {
  return project?.permissions ?? NO_PERMISSIONS;
}
