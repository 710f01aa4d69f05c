/**
 * The pieces every view is built from: timestamps, nullable values, references, the error answer and
 * the list envelopes. The server validates and documents its answers with these schemas; the web reads
 * their types (`import type`), so a change here is a compile error wherever an answer is read.
 */
import {
  Type,
  type Static,
  type TArray,
  type TInteger,
  type TObject,
  type TSchema,
  type TSchemaOptions,
} from 'typebox';
import { ERROR_CODES } from '../errors.js';

export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);

export const Nullable = <T extends TSchema>(schema: T, options?: TSchemaOptions) =>
  Type.Union([schema, Type.Null()], options);

/** Something shown by its id and name: a project, a runner. */
export const NamedRef = Type.Object({ id: Type.Integer(), name: Type.String() });
export type NamedRef = Static<typeof NamedRef>;
/** A user shown by id and login: an owner, who triggered a deployment. */
export const UserRef = Type.Object({ id: Type.Integer(), login: Type.String() });

/**
 * What CI told about a build's commit (builds.commit_*): its first line, its author, its page (an
 * http(s) URL) and when it was made. Each part may be missing; a build with none of them has `null`.
 */
export const CommitView = Type.Object({
  title: Nullable(Type.String()),
  author_name: Nullable(Type.String()),
  author_email: Nullable(Type.String()),
  url: Nullable(Type.String({ description: 'an http(s) URL' })),
  committed_at: NullableDateTime,
});
export type CommitView = Static<typeof CommitView>;
export type UserRef = Static<typeof UserRef>;

/**
 * Every error answer of the API: `code` for programs, `message` for people; `details` lists the
 * problems (`FieldProblem`, limits.ts) of a request that failed validation. Same shape as the runner
 * protocol's `ErrorBody`, which the same error handler writes; there `code` stays a string, so a runner
 * older than its server still reads a code added since.
 */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Enum(ERROR_CODES),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    request_id: Type.Optional(Type.String()),
  }),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

type PageProperties<Key extends string, Item extends TSchema> = { [K in Key]: TArray<Item> } & {
  total: TInteger;
  page: TInteger;
  per_page: TInteger;
};

/** A page of a long list: `{<key>: [...], total, page, per_page}` (page counts from 1). */
export function PageOf<Key extends string, Item extends TSchema>(
  key: Key,
  item: Item,
): TObject<PageProperties<Key, Item>> {
  const properties = {
    [key]: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
  } as PageProperties<Key, Item>;
  return Type.Object(properties);
}

/** A whole short list: `{<key>: [...]}`. */
export function ListOf<Key extends string, Item extends TSchema>(
  key: Key,
  item: Item,
): TObject<{ [K in Key]: TArray<Item> }> {
  return Type.Object({ [key]: Type.Array(item) } as { [K in Key]: TArray<Item> });
}
