/**
 * A hook's recent deliveries (architecture.md §9): event, time, status, HTTP status, attempts, the
 * answer's start or the error. Refetched on the project's deployment events (deliveries follow them),
 * every few seconds while one is still being retried, on `version` changes and by the refresh button.
 */
import { useEffect } from 'react';
import type { NotificationDeliveryView } from '@polytene/protocol';
import { both, inProject, ofKind, useLiveList } from '../api/events';
import { listHookDeliveries } from '../api/endpoints';
import { ErrorBox, TimeAgo } from './ui';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';

/** How many deliveries the list shows; the API keeps the last 100. */
const SHOWN = 10;
/** How soon the list looks again while a delivery waits for a retry. */
const PENDING_POLL_MS = 5000;
/** Deliveries are sent by a job after the deployment event: look a little later. */
const AFTER_EVENT_MS = 1500;

type Shown = 'delivered' | 'failed' | 'retrying' | 'pending';
const TONE: Record<Shown, string> = { delivered: 'ok', failed: 'bad', retrying: 'wait', pending: 'run' };

const shownStatus = (d: NotificationDeliveryView): Shown =>
  d.status === 'pending' ? (d.attempts > 0 ? 'retrying' : 'pending') : d.status;

export function NotificationDeliveries({
  hookId,
  projectId,
  version,
}: {
  hookId: number;
  projectId: number;
  /** Bumped by the caller (after a test) to fetch again. */
  version: number;
}) {
  const t = useT();
  const list = useAsync((signal) => listHookDeliveries(hookId, signal), [hookId, version]);
  useLiveList(both(inProject(projectId), ofKind('deployment')), list.reload, AFTER_EVENT_MS);
  const deliveries = (list.data?.deliveries ?? []).slice(0, SHOWN);
  const waiting = deliveries.some((d) => d.status === 'pending');
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setTimeout(list.reload, PENDING_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [waiting, list.data, list.reload]);

  return (
    <div className="hook-deliveries" data-testid={`hook-deliveries-${hookId}`}>
      <div className="hook-deliveries-head">
        <h4>{t('hooks.deliveries')}</h4>
        <button type="button" className="btn btn-small" onClick={list.reload} disabled={list.loading}>
          {t('common.refresh')}
        </button>
      </div>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.data && deliveries.length === 0 && <p className="hint">{t('hooks.deliveriesEmpty')}</p>}
      {deliveries.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('hooks.delivery.event')}</th>
                <th scope="col">{t('hooks.delivery.time')}</th>
                <th scope="col">{t('hooks.delivery.status')}</th>
                <th scope="col">{t('hooks.delivery.http')}</th>
                <th scope="col">{t('hooks.delivery.attempts')}</th>
                <th scope="col">{t('hooks.delivery.answer')}</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => {
                const shown = shownStatus(d);
                return (
                  <tr key={d.id} data-delivery-status={shown}>
                    <td>{t(`hooks.event.${d.event}`)}</td>
                    <td>
                      <TimeAgo at={d.updated_at} />
                    </td>
                    <td>
                      <span className={`badge tone-${TONE[shown]}`}>
                        <span className="dot" aria-hidden="true" />
                        {t(`hooks.deliveryStatus.${shown}`)}
                      </span>
                    </td>
                    <td className="mono">{d.response_status ?? '—'}</td>
                    <td>{d.attempts}</td>
                    <td className="hook-answer">
                      {d.error && <span className="form-error">{d.error}</span>}
                      {d.response_body && <code className="small">{d.response_body.slice(0, 200)}</code>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
