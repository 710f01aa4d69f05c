/** A project's outgoing notification hooks (architecture.md §9): list, add, test, remove (for maintainers). */
import { useState, type FormEvent } from 'react';
import type { NotificationEvent, NotificationHookKind, ProjectView } from '@polytene/protocol';
import { NOTIFICATION_EVENTS, NOTIFICATION_HOOK_KINDS } from '@polytene/protocol/enums';
import { addHook, listHooks, removeHook, testHook } from '../api/endpoints';
import { Empty, ErrorBox, Field, Loading, errorMessage, TableHead } from '../components/ui';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';

export function ProjectNotifications({ project }: { project: ProjectView }) {
  const t = useT();
  const list = useAsync((signal) => listHooks(project.id, signal), [project.id]);
  const [kind, setKind] = useState<NotificationHookKind>('slack');
  const [url, setUrl] = useState('');
  const [environment, setEnvironment] = useState('');
  const [events, setEvents] = useState<NotificationEvent[]>(['failed', 'recovered']);
  const [formError, setFormError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setSecret(null);
    setNotice(null);
    if (!url.trim()) return setFormError(t('hooks.urlRequired'));
    if (events.length === 0) return setFormError(t('hooks.eventsRequired'));
    setBusy(true);
    setFormError(null);
    try {
      const created = await addHook(project.id, {
        kind,
        url: url.trim(),
        environment: environment.trim() || null,
        events,
      });
      setSecret(created.secret ?? null);
      setUrl('');
      list.reload();
    } catch (failure) {
      setFormError(errorMessage(failure, t));
    } finally {
      setBusy(false);
    }
  };

  const test = async (hookId: number) => {
    setNotice(null);
    try {
      const d = await testHook(hookId);
      setNotice(
        d.status === 'delivered'
          ? t('hooks.testDelivered', { status: String(d.response_status ?? '') })
          : t('hooks.testFailed', { error: d.error ?? '' }),
      );
    } catch (failure) {
      setNotice(errorMessage(failure, t));
    }
  };

  const remove = async (hookId: number) => {
    setNotice(null);
    try {
      await removeHook(hookId);
      list.reload();
    } catch (failure) {
      setNotice(errorMessage(failure, t));
    }
  };

  const hooks = list.data?.hooks ?? [];
  return (
    <section className="card" aria-labelledby="notification-hooks" data-testid="notification-hooks">
      <h2 id="notification-hooks">{t('hooks.title')}</h2>
      <p className="hint">{t('hooks.hint')}</p>
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {hooks.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <TableHead
              columns={[t('hooks.kind'), t('hooks.url'), t('hooks.environment'), t('hooks.events')]}
              actions={t('common.remove')}
            />
            <tbody>
              {hooks.map((h) => (
                <tr key={h.id}>
                  <td>{t(`hooks.kind.${h.kind}`)}</td>
                  <td className="mono small">{h.url}</td>
                  <td>{h.environment ?? t('hooks.anyEnvironment')}</td>
                  <td>{h.events.map((e) => t(`hooks.event.${e}`)).join(', ')}</td>
                  <td>
                    <button type="button" className="btn btn-small" onClick={() => void test(h.id)}>
                      {t('hooks.test')}
                    </button>{' '}
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      aria-label={t('hooks.removeOne', { url: h.url })}
                      onClick={() => void remove(h.id)}
                    >
                      {t('common.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && hooks.length === 0 && <Empty title={t('hooks.empty')} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="form" onSubmit={(e) => void add(e)} noValidate aria-label={t('hooks.add')}>
        <div className="grid-2">
          <Field label={t('hooks.kind')}>
            {(p) => (
              <select {...p} value={kind} onChange={(e) => setKind(e.target.value as NotificationHookKind)}>
                {NOTIFICATION_HOOK_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`hooks.kind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('hooks.environment')}>
            {(p) => (
              <input
                {...p}
                value={environment}
                placeholder={t('hooks.anyEnvironment')}
                onChange={(e) => setEnvironment(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field label={t('hooks.url')} error={formError}>
          {(p) => (
            <input
              {...p}
              type="url"
              value={url}
              autoComplete="off"
              onChange={(e) => {
                setUrl(e.target.value);
                setFormError(null);
              }}
            />
          )}
        </Field>
        <fieldset>
          <legend>{t('hooks.events')}</legend>
          {NOTIFICATION_EVENTS.map((e) => (
            <label key={e} className="checkbox">
              <input
                type="checkbox"
                checked={events.includes(e)}
                onChange={(ev) =>
                  setEvents(ev.target.checked ? [...events, e] : events.filter((x) => x !== e))
                }
              />{' '}
              {t(`hooks.event.${e}`)}
            </label>
          ))}
        </fieldset>
        {secret && (
          <p className="notice notice-ok" role="status">
            {t('hooks.secret', { secret })}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('hooks.add')}
          </button>
        </div>
      </form>
    </section>
  );
}
