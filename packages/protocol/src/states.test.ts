import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_STATUSES, FAILURE_REASONS, transition, isFinalStatus } from './states.js';

const expectedEdges = new Set([
  'awaiting_approval>queued',
  'awaiting_approval>canceled',
  'awaiting_approval>skipped',
  'queued>running',
  'queued>canceled',
  'queued>skipped',
  'running>succeeded',
  'running>failed',
  'running>canceled',
]);

describe('deployment state machine', () => {
  for (const from of DEPLOYMENT_STATUSES) {
    for (const to of DEPLOYMENT_STATUSES) {
      const allowed = expectedEdges.has(`${from}>${to}`);
      it(`${allowed ? 'allows' : 'refuses'} ${from} -> ${to}`, () => {
        const reason = to === 'failed' ? 'script_failure' : null;
        const result = transition({ from, to, failureReason: reason });
        expect(result.ok).toBe(allowed);
      });
    }
  }

  it('requires a reason for failed and accepts every known reason', () => {
    expect(transition({ from: 'running', to: 'failed' }).ok).toBe(false);
    for (const reason of FAILURE_REASONS) {
      expect(transition({ from: 'running', to: 'failed', failureReason: reason })).toEqual({
        ok: true,
        status: 'failed',
        failureReason: reason,
      });
    }
  });

  it('refuses a reason on any state but failed', () => {
    expect(transition({ from: 'running', to: 'succeeded', failureReason: 'timeout' }).ok).toBe(false);
  });

  it('never lets a deployment awaiting approval start without being queued first', () => {
    expect(transition({ from: 'awaiting_approval', to: 'running' }).ok).toBe(false);
    expect(transition({ from: 'queued', to: 'awaiting_approval' }).ok).toBe(false);
  });

  it('marks exactly the terminal states final', () => {
    expect(DEPLOYMENT_STATUSES.filter(isFinalStatus)).toEqual(['succeeded', 'failed', 'canceled', 'skipped']);
  });
});
