import { Type } from 'typebox';
import { ERROR_CODES } from '@polytene/protocol';

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Enum(ERROR_CODES),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    request_id: Type.Optional(Type.String()),
  }),
});

export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

export const Pagination = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);

export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
