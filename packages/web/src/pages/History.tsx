/** The audit log: who changed what and when, filterable, each entry with its diff. */
import type { AuditEntry, ProjectView, UserView } from '@polytene/protocol';
import { auditExportUrl, listAudit, listProjects, listUsers } from '../api/endpoints';
import { Empty, ErrorBox, Loading, TimeAgo } from '../components/ui';
import { useT } from '../i18n';
import { diffObjects, showValue } from '../lib/diff';
import { useAsync } from '../lib/useAsync';
import { Link, setSearch, useLocation } from '../router';

const LIMIT = 50;

function actorOf(event: AuditEntry): string {
  return event.actor.login ?? '—';
}

export function HistoryPage() {
  const t = useT();
  const { search } = useLocation();
  const actor = search.get('actor_id') ?? '';
  const projectId = search.get('project_id') ?? '';
  const action = search.get('action') ?? '';
  const entity = search.get('entity_type') ?? '';
  const beforeId = search.get('before_id') ?? '';
  const list = useAsync(
    (signal) =>
      listAudit(
        {
          actor_id: actor,
          project_id: projectId,
          action,
          entity_type: entity,
          before_id: beforeId,
          limit: LIMIT,
        },
        signal,
      ),
    [actor, projectId, action, entity, beforeId],
  );
  // The choices: every user (admins may list them) and project the viewer can see, plus whoever appears.
  const users = useAsync(
    (signal) =>
      listUsers({ per_page: 100 }, signal)
        .then((list) => list.users)
        .catch(() => [] as UserView[]),
    [],
  );
  const projects = useAsync(
    (signal) =>
      listProjects({ per_page: 100 }, signal)
        .then((list) => list.projects)
        .catch(() => [] as ProjectView[]),
    [],
  );
  const events = list.data ? { items: list.data.events } : null;
  const people = new Map<string, string>();
  for (const u of users.data ?? []) people.set(String(u.id), u.login);
  for (const e of list.data?.events ?? [])
    if (e.actor.id !== null && e.actor.login) people.set(String(e.actor.id), e.actor.login);
  if (actor && !people.has(actor)) people.set(actor, `#${actor}`);
  const projectNames = new Map<string, string>();
  for (const p of projects.data ?? []) projectNames.set(String(p.id), p.name);
  if (projectId && !projectNames.has(projectId)) projectNames.set(projectId, `#${projectId}`);
  const byName = (a: [string, string], b: [string, string]) => a[1].localeCompare(b[1]);
  const filtered = Boolean(actor || projectId || action || entity);
  return (
    <div className="page">
      <h1>{t('nav.history')}</h1>
      <p className="toolbar" data-testid="history-export">
        {t('history.export')}{' '}
        {(['csv', 'json'] as const).map((format) => (
          <a
            key={format}
            className="btn btn-small"
            download
            href={auditExportUrl(
              { actor_id: actor, project_id: projectId, action, entity_type: entity },
              format,
            )}
          >
            {format.toUpperCase()}
          </a>
        ))}
      </p>
      <div className="toolbar filters">
        <label>
          {t('history.user')}
          <select value={actor} onChange={(e) => setSearch({ actor_id: e.target.value, before_id: null })}>
            <option value="">{t('common.any')}</option>
            {[...people].sort(byName).map(([id, login]) => (
              <option key={id} value={id}>
                {login}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('history.project')}
          <select
            value={projectId}
            onChange={(e) => setSearch({ project_id: e.target.value, before_id: null })}
          >
            <option value="">{t('common.any')}</option>
            {[...projectNames].sort(byName).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('history.entity')}
          <select
            value={entity}
            onChange={(e) => setSearch({ entity_type: e.target.value, before_id: null })}
          >
            <option value="">{t('common.any')}</option>
            {[
              'project',
              'branch_config',
              'build',
              'deployment',
              'runner',
              'user',
              'session',
              'api_token',
            ].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('history.action')}
          <input
            type="search"
            defaultValue={action}
            onChange={(e) => setSearch({ action: e.target.value, before_id: null })}
          />
        </label>
      </div>
      {list.loading && !events && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {events && events.items.length === 0 && (
        <Empty title={filtered ? t('history.noMatch') : t('history.empty')} />
      )}
      {events && events.items.length > 0 && (
        <ol className="timeline">
          {events.items.map((e) => {
            const changes = diffObjects(e.before, e.after);
            return (
              <li key={e.id} className="timeline-item">
                <div className="timeline-head">
                  <strong>{actorOf(e)}</strong> <span className="tag">{e.action}</span>{' '}
                  <span className="mono">
                    {e.entity_type}
                    {e.entity_id ? ` #${e.entity_id}` : ''}
                  </span>
                  {e.project_id && (
                    <>
                      {' · '}
                      <Link to={`/projects/${e.project_id}`}>
                        {projectNames.get(String(e.project_id)) ?? `${t('common.project')} #${e.project_id}`}
                      </Link>
                    </>
                  )}
                  <span className="push-right muted small">
                    <TimeAgo at={e.created_at} />
                    {e.ip ? ` · ${e.ip}` : ''}
                  </span>
                </div>
                {changes.length > 0 && (
                  <details className="diff">
                    <summary>{t('history.changes', { count: changes.length })}</summary>
                    <table className="diff-table">
                      <tbody>
                        {changes.map((c) => (
                          <tr key={c.field}>
                            <th scope="row" className="mono">
                              {c.field}
                            </th>
                            <td className="diff-before mono">{showValue(c.before)}</td>
                            <td className="diff-after mono">{showValue(c.after)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {list.data && (beforeId || list.data.next_before_id) ? (
        <nav className="pagination" aria-label={t('common.pagination')}>
          <button
            type="button"
            className="btn btn-small"
            disabled={!beforeId}
            onClick={() => setSearch({ before_id: null })}
          >
            ← {t('history.newest')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={!list.data.next_before_id}
            onClick={() => setSearch({ before_id: list.data?.next_before_id ?? null })}
          >
            {t('history.older')} →
          </button>
        </nav>
      ) : null}
    </div>
  );
}
