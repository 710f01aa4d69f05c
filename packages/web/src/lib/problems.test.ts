import { describe, expect, it } from 'vitest';
import { translator } from '../i18n/translate';
import { deploymentMessage } from './deploymentMessage';
import { problemText } from './problems';

describe('field problems in the user’s language', () => {
  const tooLong = {
    field: 'name',
    code: 'too_long',
    params: { limit: 200 },
    message: 'name must be at most 200 characters',
  } as const;

  it('translates the code with its params, never showing the server’s English', () => {
    expect(problemText(tooLong, translator('en'))).toBe('Must be at most 200 characters.');
    expect(problemText(tooLong, translator('pl'))).toBe('Może mieć najwyżej 200 znaków.');
  });

  it('keeps the server’s message for a problem without a code', () => {
    expect(problemText({ field: 'login', message: 'login is taken' }, translator('pl'))).toBe(
      'login is taken',
    );
  });
});

describe('deployment messages', () => {
  it('shows the ones Polytene writes in the user’s language, free text as it is', () => {
    expect(deploymentMessage('canceled from Polytene', translator('pl'))).toBe('anulowano w Polytene');
    expect(deploymentMessage('failed with exit code 3', translator('pl'))).toBe(
      'zakończono błędem, kod wyjścia 3',
    );
    expect(deploymentMessage('my own words', translator('pl'))).toBe('my own words');
  });
});
