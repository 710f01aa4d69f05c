/** One notification hook: what it sends where, its actions (test, edit, new secret, remove), its deliveries. */
import { useState } from 'react';
import type { NotificationHookView } from '@polytene/protocol';
import { removeHook, rotateHookSecret, testHook, updateHook } from '../api/endpoints';
import { ConfirmDialog, SecretOnce, errorMessage } from './ui';
import { NotificationDeliveries } from './NotificationDeliveries';
import { NotificationHookForm } from './NotificationHookForm';
import { useT } from '../i18n';

export function NotificationHookItem({
  hook,
  onChanged,
}: {
  hook: NotificationHookView;
  /** The hook was changed or removed: the list should be fetched again. */
  onChanged: () => void;
}) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [asking, setAsking] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotateError, setRotateError] = useState<unknown>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const test = async () => {
    setNotice(null);
    try {
      const d = await testHook(hook.id);
      setNotice(
        d.status === 'delivered'
          ? t('hooks.testDelivered', { status: String(d.response_status ?? '') })
          : t('hooks.testFailed', { error: d.error ?? '' }),
      );
    } catch (failure) {
      setNotice(errorMessage(failure, t));
    } finally {
      setVersion((v) => v + 1);
    }
  };

  const remove = async () => {
    setNotice(null);
    try {
      await removeHook(hook.id);
      onChanged();
    } catch (failure) {
      setNotice(errorMessage(failure, t));
    }
  };

  const rotate = async () => {
    setRotating(true);
    setRotateError(null);
    try {
      setSecret((await rotateHookSecret(hook.id)).secret);
      setAsking(false);
    } catch (failure) {
      setRotateError(failure);
    } finally {
      setRotating(false);
    }
  };

  return (
    <article className="hook" aria-label={t('hooks.one', { url: hook.url })} data-hook-id={hook.id}>
      <div className="hook-head">
        <div className="hook-what">
          <strong>{t(`hooks.kind.${hook.kind}`)}</strong>{' '}
          <span className="mono small hook-url">{hook.url}</span>
          <div className="hint">
            {hook.environment ?? t('hooks.anyEnvironment')} ·{' '}
            {hook.events.map((e) => t(`hooks.event.${e}`)).join(', ')}
          </div>
        </div>
        <div className="actions">
          <button type="button" className="btn btn-small" onClick={() => void test()}>
            {t('hooks.test')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={editing}
            aria-label={t('hooks.editOne', { url: hook.url })}
            onClick={() => setEditing(!editing)}
          >
            {t('common.edit')}
          </button>
          {hook.kind === 'webhook' && (
            <button type="button" className="btn btn-small" onClick={() => setAsking(true)}>
              {t('hooks.rotate')}
            </button>
          )}
          <button
            type="button"
            className="btn btn-small btn-danger"
            aria-label={t('hooks.removeOne', { url: hook.url })}
            onClick={() => void remove()}
          >
            {t('common.remove')}
          </button>
        </div>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {secret && <SecretOnce title={t('hooks.rotated')} label={t('hooks.secretLabel')} value={secret} />}
      {editing && (
        <NotificationHookForm
          hook={hook}
          submitLabel={t('hooks.save')}
          onCancel={() => setEditing(false)}
          onSubmit={async (values) => {
            await updateHook(hook.id, {
              url: values.url,
              environment: values.environment,
              events: values.events,
            });
            setEditing(false);
            setNotice(t('hooks.saved'));
            onChanged();
          }}
        />
      )}
      <NotificationDeliveries hookId={hook.id} projectId={hook.project_id} version={version} />
      <ConfirmDialog
        open={asking}
        title={t('hooks.rotateTitle')}
        confirmLabel={t('hooks.rotate')}
        busy={rotating}
        error={rotateError}
        onConfirm={() => void rotate()}
        onCancel={() => setAsking(false)}
      >
        <p>{t('hooks.rotateBody')}</p>
      </ConfirmDialog>
    </article>
  );
}
