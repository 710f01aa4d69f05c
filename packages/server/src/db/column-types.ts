/** Column types shared by the table types (schema.ts, integration-tables.ts). */
import type { ColumnType, Generated } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** bigint ids arrive from pg as strings unless parsed; db/database.ts parses int8 to number. */
export type Id = Generated<number>;
/** A jsonb value as read (never null at the top: nullable columns say `Json | null`), written as JSON text. */
export type JsonValue = string | number | boolean | object;
export type Json = ColumnType<JsonValue, string, string>;
