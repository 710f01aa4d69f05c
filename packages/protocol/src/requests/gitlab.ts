/** Bodies of the GitLab instances (administrators), a user's GitLab connection and the import. */
import { Type, type Static } from 'typebox';

const InstanceName = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'shown to members, e.g. Company GitLab',
});
const InstanceUrl = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'http:// or https:// base URL, without a user name, password, query or fragment',
});

export const CreateGitlabInstanceBody = Type.Object(
  { name: InstanceName, url: InstanceUrl },
  { additionalProperties: false },
);
export type CreateGitlabInstanceBody = Static<typeof CreateGitlabInstanceBody>;

export const UpdateGitlabInstanceBody = Type.Object(
  { name: Type.Optional(InstanceName), url: Type.Optional(InstanceUrl) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateGitlabInstanceBody = Static<typeof UpdateGitlabInstanceBody>;

export const GitlabConnectionBody = Type.Object(
  {
    instance_id: Type.Integer({
      minimum: 1,
      description: 'one of GET /api/v1/gitlab/instances (configured by an administrator)',
    }),
    token: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'a personal access token with the api scope',
    }),
  },
  { additionalProperties: false },
);
export type GitlabConnectionBody = Static<typeof GitlabConnectionBody>;

export const GitlabImportBody = Type.Object(
  { project_ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 50 }) },
  { additionalProperties: false },
);
export type GitlabImportBody = Static<typeof GitlabImportBody>;
