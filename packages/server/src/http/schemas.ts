import { Type } from 'typebox';

/** The answers' shared pieces live in protocol (views/common.ts), next to the views built from them. */
export { DateTime, ErrorResponse, NullableDateTime } from '@polytene/protocol';

export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

export const Pagination = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
