import { sql } from 'kysely';
import type { Db } from './database.js';

/** The tables whose rows have a name unique in their project, and the column that holds it. */
const NAME_COLUMNS = { branch_configs: 'branch_name', environments: 'name' } as const;

/**
 * Whether `name` is used by another row of `table` in the project (not `exceptId`, the row being
 * renamed): the friendly check before the UNIQUE constraint, so the 409 can name the field.
 */
export async function nameTaken(
  db: Db,
  table: keyof typeof NAME_COLUMNS,
  projectId: number,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const { rows } = await sql`
    SELECT 1 FROM ${sql.table(table)}
    WHERE project_id = ${projectId} AND ${sql.ref(NAME_COLUMNS[table])} = ${name}
      AND id IS DISTINCT FROM ${exceptId ?? null}::bigint
    LIMIT 1`.execute(db);
  return rows.length > 0;
}
