/** A project's outgoing notification hooks (architecture.md §9): list, add; each hook's parts in components/. */
import { useState } from 'react';
import type { ProjectView } from '@polytene/protocol';
import { addHook, listHooks } from '../api/endpoints';
import { Empty, ErrorBox, Loading, SecretOnce } from '../components/ui';
import { NotificationHookForm } from '../components/NotificationHookForm';
import { NotificationHookItem } from '../components/NotificationHookItem';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';

export function ProjectNotifications({ project }: { project: ProjectView }) {
  const t = useT();
  const list = useAsync((signal) => listHooks(project.id, signal), [project.id]);
  const [secret, setSecret] = useState<string | null>(null);
  const hooks = list.data?.hooks ?? [];

  return (
    <section className="card" aria-labelledby="notification-hooks" data-testid="notification-hooks">
      <h2 id="notification-hooks">{t('hooks.title')}</h2>
      <p className="hint">{t('hooks.hint')}</p>
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {hooks.map((h) => (
        <NotificationHookItem key={h.id} hook={h} onChanged={list.reload} />
      ))}
      {list.data && hooks.length === 0 && <Empty title={t('hooks.empty')} />}
      <h3>{t('hooks.add')}</h3>
      <NotificationHookForm
        submitLabel={t('hooks.add')}
        onSubmit={async (values) => {
          setSecret(null);
          const created = await addHook(project.id, values);
          setSecret(created.secret ?? null);
          list.reload();
        }}
      />
      {secret && <SecretOnce title={t('hooks.created')} label={t('hooks.secretLabel')} value={secret} />}
    </section>
  );
}
