import type { SelectQueryBuilder } from 'kysely';

export interface Page<O> {
  rows: O[];
  total: number;
}

/**
 * One page of an ordered list query and the number of rows the whole list has (one query each, at the
 * same time). `page` counts from 1.
 */
export async function paginate<DB, TB extends keyof DB, O>(
  ordered: SelectQueryBuilder<DB, TB, O>,
  page: number,
  perPage: number,
): Promise<Page<O>> {
  const [rows, count] = await Promise.all([
    ordered
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute(),
    ordered
      .clearOrderBy()
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  // Kysely cannot name the selection of a generic query; the one column selected above is `total`.
  return { rows, total: Number((count as { total: number | string }).total) };
}
