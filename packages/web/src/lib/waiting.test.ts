import { describe, expect, it } from 'vitest';
import { rollbackHoldReason } from '@polytene/protocol/messages';
import { translator } from '../i18n/translate';
import { holdText, isRollback } from './waiting';

describe('holds and rollbacks in words', () => {
  it('says a rollback held the environment, in each language, and shows a reason a person wrote', () => {
    expect(holdText('ann', rollbackHoldReason(7), translator('en'))).toBe(
      'held after rollback (to build #7) by ann',
    );
    expect(holdText('ann', rollbackHoldReason(7), translator('pl'))).toBe(
      'wstrzymane po wycofaniu (do buildu #7) przez ann',
    );
    expect(holdText('ann', 'db migration', translator('en'))).toBe(
      'automatic deployment held by ann: db migration',
    );
  });

  it('marks a deployment a rollback when the server says so', () => {
    expect(isRollback({ rollback: true })).toBe(true);
    expect(isRollback({ rollback: false })).toBe(false);
  });
});
