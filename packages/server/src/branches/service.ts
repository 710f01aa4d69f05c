import type { AppContext } from '../context.js';
import type { DeploymentType } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { BranchConfig, User } from '../db/schema.js';
import {
  auditableWithVariables,
  storeVariables,
  variableProblems,
  variablesChange,
  type VariableInput,
} from './variables.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { NEEDS, loadProject } from '../projects/access.js';
import type { FieldProblem } from '@polytene/protocol';
import { invalidFields } from '../projects/validation.js';
import { artifactsDirProblems, branchNameProblems, environmentProblems } from './validation.js';
import { nameTaken } from '../db/name-taken.js';

export interface BranchConfigFields {
  branch_name?: string;
  deployment_type?: DeploymentType;
  deployment_script?: string;
  environment?: string;
  artifacts_dir?: string;
  notification_emails?: string[];
  failed_build_can_be_auto_deployed?: boolean;
  timeout_seconds?: number;
  variables?: VariableInput[];
}

export type NewBranchConfig = BranchConfigFields & { branch_name: string };

/**
 * Every problem of the fields the schema cannot judge. Also run on a body that failed its schema
 * (route `fieldChecks`), so one answer names them all.
 */
export function branchFieldProblems(fields: BranchConfigFields): FieldProblem[] {
  const problems: FieldProblem[] = [
    ...branchNameProblems(fields.branch_name),
    ...environmentProblems(fields.environment),
    ...artifactsDirProblems(fields.artifacts_dir),
  ];
  problems.push(...variableProblems(fields.variables));
  return problems;
}

/** One 400 naming every problem of the fields. */
function checkFields(fields: BranchConfigFields): void {
  const problems = branchFieldProblems(fields);
  if (problems.length) throw invalidFields(problems);
}

function duplicateBranch(name: string) {
  return conflict('CONFLICT', `branch ${name} is configured already`, [
    { field: 'branch_name', message: 'is configured already' },
  ]);
}

/** What an audit event shows of a branch config: everything but secret values. */

export async function listBranchConfigs(db: Db, user: User, projectId: number): Promise<BranchConfig[]> {
  await loadProject(db, user, projectId, 'view');
  return db
    .selectFrom('branch_configs')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('branch_name')
    .execute();
}

async function findBranchConfig(db: Db, projectId: number, id: number, lock = false): Promise<BranchConfig> {
  let query = db
    .selectFrom('branch_configs')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id);
  if (lock) query = query.forUpdate();
  const config = await query.executeTakeFirst();
  if (!config) throw notFound('branch config');
  return config;
}

export async function getBranchConfig(
  db: Db,
  user: User,
  projectId: number,
  id: number,
): Promise<BranchConfig> {
  await loadProject(db, user, projectId, 'view');
  return findBranchConfig(db, projectId, id);
}

export async function createBranchConfig(
  ctx: AppContext,
  actor: Actor,
  user: User,
  projectId: number,
  input: NewBranchConfig,
): Promise<BranchConfig> {
  checkFields(input);
  const variables = storeVariables(ctx, input.variables ?? [], []);
  return ctx.db.transaction().execute(async (trx) => {
    await loadProject(trx, user, projectId, NEEDS.edit_branches);
    if (await nameTaken(trx, 'branch_configs', projectId, input.branch_name))
      throw duplicateBranch(input.branch_name);
    const config = await trx
      .insertInto('branch_configs')
      .values({ ...input, project_id: projectId, variables: JSON.stringify(variables) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'create',
      entityType: 'branch_config',
      entityId: config.id,
      projectId,
      after: auditableWithVariables(config),
    });
    return config;
  });
}

export async function updateBranchConfig(
  ctx: AppContext,
  actor: Actor,
  user: User,
  projectId: number,
  id: number,
  changes: BranchConfigFields,
): Promise<BranchConfig> {
  checkFields(changes);
  return ctx.db.transaction().execute(async (trx) => {
    await loadProject(trx, user, projectId, NEEDS.edit_branches);
    const before = await findBranchConfig(trx, projectId, id, true);
    if (
      changes.branch_name !== undefined &&
      (await nameTaken(trx, 'branch_configs', projectId, changes.branch_name, id))
    ) {
      throw duplicateBranch(changes.branch_name);
    }
    const { variables, ...rest } = changes;
    const after = await trx
      .updateTable('branch_configs')
      .set({
        ...rest,
        ...variablesChange(ctx, variables, before.variables),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'update',
      entityType: 'branch_config',
      entityId: id,
      projectId,
      before: auditableWithVariables(before),
      after: auditableWithVariables(after),
    });
    return after;
  });
}

/** Removes a branch config; its builds and deployments stay, without the link. */
export async function deleteBranchConfig(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  id: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await loadProject(trx, user, projectId, NEEDS.edit_branches);
    const before = await findBranchConfig(trx, projectId, id, true);
    await trx.deleteFrom('branch_configs').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'delete',
      entityType: 'branch_config',
      entityId: id,
      projectId,
      before: auditableWithVariables(before),
    });
  });
}
