/** Bodies of projects, their members, their notification hooks and a deployment of a build. */
import { Type, type Static } from 'typebox';
import { NOTIFICATION_EVENTS, NOTIFICATION_HOOK_KINDS } from '../enums.js';
import { PROJECT_LIMITS } from '../limits.js';
import { GITHUB_REPOSITORY_PATTERN, MemberRoleSchema } from '../views/projects.js';
import { Nullable } from '../views/common.js';

/** What a maintainer sends to connect a project to a GitHub repository (GitHub Actions as its CI). */
export const GithubConnectionInput = Type.Object(
  {
    repository: Type.String({
      pattern: GITHUB_REPOSITORY_PATTERN,
      maxLength: 200,
      description: 'owner/name',
    }),
    api_url: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'default https://api.github.com' }),
    ),
    token: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 500,
          description: 'for commit statuses (needs "Commit statuses: write"); stored encrypted, never shown',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type GithubConnectionInput = Static<typeof GithubConnectionInput>;

const ProjectName = Type.String({ minLength: 1, maxLength: PROJECT_LIMITS.name.maxLength, pattern: '\\S' });
const CloneUrl = Type.String({
  minLength: 1,
  maxLength: PROJECT_LIMITS.clone_url.maxLength,
  description: 'git@host:path, ssh://, https:// or file://',
});
const Branch = Type.String({ minLength: 1, maxLength: PROJECT_LIMITS.default_branch.maxLength });
const RunnerId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);

export const CreateProjectBody = Type.Object(
  {
    name: ProjectName,
    clone_url: CloneUrl,
    default_branch: Type.Optional(Branch),
    runner_id: Type.Optional(RunnerId),
    public: Type.Optional(Type.Boolean()),
    github: Type.Optional(GithubConnectionInput),
  },
  { additionalProperties: false },
);
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const UpdateProjectBody = Type.Object(
  {
    name: Type.Optional(ProjectName),
    clone_url: Type.Optional(CloneUrl),
    default_branch: Type.Optional(Branch),
    runner_id: Type.Optional(RunnerId),
    public: Type.Optional(Type.Boolean()),
    gitlab_report: Type.Optional(Type.Boolean()),
    github: Type.Optional(Nullable(GithubConnectionInput)),
  },
  { additionalProperties: false },
);
export type UpdateProjectBody = Static<typeof UpdateProjectBody>;

export const AddMemberBody = Type.Object(
  { login: Type.String({ minLength: 1, maxLength: 200 }), role: MemberRoleSchema },
  { additionalProperties: false },
);
export type AddMemberBody = Static<typeof AddMemberBody>;

export const MemberRoleBody = Type.Object({ role: MemberRoleSchema }, { additionalProperties: false });
export type MemberRoleBody = Static<typeof MemberRoleBody>;

export const CreateNotificationHookBody = Type.Object(
  {
    kind: Type.Enum(NOTIFICATION_HOOK_KINDS),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    environment: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
        description: 'only deployments to this environment; null or absent: every environment',
      }),
    ),
    events: Type.Array(Type.Enum(NOTIFICATION_EVENTS), { minItems: 1, maxItems: NOTIFICATION_EVENTS.length }),
  },
  { additionalProperties: false },
);
export type CreateNotificationHookBody = Static<typeof CreateNotificationHookBody>;

/**
 * PATCH /notification-hooks/:id: any of the create fields but `kind` (a hook's kind decides whether it
 * has a signing secret; to change it, add a new hook).
 */
export const UpdateNotificationHookBody = Type.Partial(Type.Omit(CreateNotificationHookBody, ['kind']), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateNotificationHookBody = Static<typeof UpdateNotificationHookBody>;

const ENVIRONMENT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';

export const DeployBody = Type.Object(
  {
    environment: Type.Optional(
      Type.String({
        pattern: ENVIRONMENT_PATTERN,
        description: "where to deploy; the branch config's environment when left out",
      }),
    ),
  },
  { additionalProperties: false },
);
export type DeployBody = Static<typeof DeployBody>;
