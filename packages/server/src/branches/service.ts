import type { AppContext } from '../context.js';
import type { DeploymentType } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { BranchConfig, StoredVariable, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { NEEDS, loadProject } from '../projects/access.js';
import type { FieldProblem } from '@polytene/protocol';
import { problem } from '../http/problems.js';
import { invalidField, invalidFields } from '../projects/validation.js';
import {
  artifactsDirProblems,
  branchNameProblems,
  checkSecretLength,
  environmentProblems,
  variableKeyCode,
  variableKeyProblem,
} from './validation.js';

export interface VariableInput {
  key: string;
  value?: string | null;
  secret?: boolean;
}

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

/** A variable as the API shows it: a secret one without its value. */
export interface VariableView {
  key: string;
  value: string | null;
  secret: boolean;
}

export function variableViews(config: BranchConfig): VariableView[] {
  return config.variables.map((v) => ({
    key: v.key,
    value: v.secret ? null : (v.value ?? ''),
    secret: v.secret,
  }));
}

/**
 * Turns the variables sent by a person into their stored form. A secret value is encrypted; a secret
 * sent without a value keeps the value stored under the same key.
 */
function storeVariables(
  ctx: AppContext,
  input: VariableInput[],
  existing: StoredVariable[],
): StoredVariable[] {
  const seen = new Set<string>();
  return input.map((variable, i) => {
    const problem = variableKeyProblem(variable.key);
    if (problem) throw invalidField(`variables.${i}.key`, problem);
    if (seen.has(variable.key)) throw invalidField(`variables.${i}.key`, 'is given twice', 'duplicate');
    seen.add(variable.key);
    const secret = variable.secret ?? false;
    const value = variable.value ?? null;
    if (secret) {
      if (value !== null) {
        checkSecretLength(variable.key, i, value, false);
        return { key: variable.key, secret, encrypted: ctx.secrets.encrypt(value) };
      }
      const kept = existing.find((e) => e.key === variable.key && e.secret && e.encrypted);
      if (!kept)
        throw invalidField(`variables.${i}.value`, 'is required for a new secret variable', 'required');
      checkSecretLength(variable.key, i, ctx.secrets.decrypt(kept.encrypted ?? ''), true);
      return { key: variable.key, secret, encrypted: kept.encrypted };
    }
    if (value === null) throw invalidField(`variables.${i}.value`, 'is required', 'required');
    return { key: variable.key, secret, value };
  });
}

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
  const seen = new Set<string>();
  (fields.variables ?? []).forEach((variable, i) => {
    const words = variableKeyProblem(variable.key);
    if (words) problems.push(problem(`variables.${i}.key`, variableKeyCode(variable.key), words));
    else if (seen.has(variable.key))
      problems.push(problem(`variables.${i}.key`, 'duplicate', 'is given twice'));
    seen.add(variable.key);
  });
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

async function branchTaken(db: Db, projectId: number, name: string, exceptId?: number): Promise<boolean> {
  let query = db
    .selectFrom('branch_configs')
    .select('id')
    .where('project_id', '=', projectId)
    .where('branch_name', '=', name);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** What an audit event shows of a branch config: everything but secret values. */
function auditable(config: BranchConfig) {
  const { variables: _stored, created_at: _c, updated_at: _u, ...rest } = config;
  return { ...rest, variables: variableViews(config) };
}

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
    if (await branchTaken(trx, projectId, input.branch_name)) throw duplicateBranch(input.branch_name);
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
      after: auditable(config),
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
    if (changes.branch_name !== undefined && (await branchTaken(trx, projectId, changes.branch_name, id))) {
      throw duplicateBranch(changes.branch_name);
    }
    const { variables, ...rest } = changes;
    const after = await trx
      .updateTable('branch_configs')
      .set({
        ...rest,
        ...(variables ? { variables: JSON.stringify(storeVariables(ctx, variables, before.variables)) } : {}),
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
      before: auditable(before),
      after: auditable(after),
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
      before: auditable(before),
    });
  });
}
