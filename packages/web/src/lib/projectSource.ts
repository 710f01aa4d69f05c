import type { ProjectSource } from '@polytene/protocol/enums';

/** How a project's source is shown: the forge's own name, or the translated "manual". */
export function projectSourceLabel(source: ProjectSource, manual: string): string {
  return source === 'gitlab' ? 'GitLab' : source === 'github' ? 'GitHub' : manual;
}
