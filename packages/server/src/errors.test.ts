import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS } from '@polytene/protocol';
import { AppError, clientError, conflict, invalidValue, upstreamFailed, validationFailed } from './errors.js';

describe('error codes', () => {
  it('gives every error the status its code has in the protocol table', () => {
    for (const code of ERROR_CODES) expect(new AppError(code, 'm').statusCode).toBe(ERROR_STATUS[code]);
  });

  it('answers VALIDATION_FAILED with 400 whoever finds the problem', () => {
    expect(validationFailed([{ field: 'a', code: 'blank', message: 'a must not be blank' }]).statusCode).toBe(
      400,
    );
    expect(invalidValue('ref', 'is not a branch').statusCode).toBe(400);
    expect(ERROR_STATUS.VALIDATION_FAILED).toBe(400);
  });

  it('takes only codes of the protocol list, and of the right status where a constructor has one', () => {
    // @ts-expect-error not a code of the protocol's list
    void new AppError('NO_SUCH_CODE', 'm');
    // @ts-expect-error a 400 code is no conflict
    void conflict('VALIDATION_FAILED', 'm');
    // @ts-expect-error a 409 code is not a failed upstream call
    void upstreamFailed('CONFLICT', 'm');
    expect(conflict('ALREADY_MEMBER', 'm').statusCode).toBe(409);
  });

  it('names the 4xx of a library after its status, and any other as BAD_REQUEST', () => {
    expect(clientError(429, 'slow down')).toMatchObject({ code: 'RATE_LIMITED', statusCode: 429 });
    expect(clientError(414, 'too long')).toMatchObject({ code: 'BAD_REQUEST', statusCode: 400 });
  });
});
