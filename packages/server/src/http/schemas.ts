import { Type } from 'typebox';

import { ErrorResponse } from '@polytene/protocol';

/** The answers' shared pieces live in protocol (views/common.ts), next to the views built from them. */
export { DateTime, ErrorResponse, NullableDateTime } from '@polytene/protocol';

/** The error answers of a route that reads or changes a project's things: bad input, who, what, a conflict. */
export const CHANGE_ERRORS = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

export const Pagination = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
