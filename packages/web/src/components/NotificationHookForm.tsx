/** The fields of a notification hook, to add one or change one (architecture.md §9). */
import { useState, type FormEvent } from 'react';
import type { NotificationEvent, NotificationHookKind, NotificationHookView } from '@polytene/protocol';
import { NOTIFICATION_EVENTS, NOTIFICATION_HOOK_KINDS } from '@polytene/protocol/enums';
import { Field, errorMessage } from './ui';
import { useT } from '../i18n';

export interface HookFormValues {
  kind: NotificationHookKind;
  url: string;
  environment: string | null;
  events: NotificationEvent[];
}

interface Props {
  /** The hook being changed; absent when adding (then the kind can be chosen). */
  hook?: NotificationHookView;
  submitLabel: string;
  onSubmit: (values: HookFormValues) => Promise<void>;
  onCancel?: () => void;
}

export function NotificationHookForm({ hook, submitLabel, onSubmit, onCancel }: Props) {
  const t = useT();
  const [kind, setKind] = useState<NotificationHookKind>(hook?.kind ?? 'slack');
  const [url, setUrl] = useState(hook?.url ?? '');
  const [environment, setEnvironment] = useState(hook?.environment ?? '');
  const [events, setEvents] = useState<NotificationEvent[]>(hook?.events ?? ['failed', 'recovered']);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!url.trim()) return setError(t('hooks.urlRequired'));
    if (events.length === 0) return setError(t('hooks.eventsRequired'));
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ kind, url: url.trim(), environment: environment.trim() || null, events });
      if (!hook) setUrl('');
    } catch (failure) {
      setError(errorMessage(failure, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label={submitLabel}>
      <div className="grid-2">
        <Field label={t('hooks.kind')}>
          {(p) => (
            <select
              {...p}
              value={kind}
              disabled={hook !== undefined}
              onChange={(e) => setKind(e.target.value as NotificationHookKind)}
            >
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
      <Field label={t('hooks.url')} error={error}>
        {(p) => (
          <input
            {...p}
            type="url"
            value={url}
            autoComplete="off"
            onChange={(e) => {
              setUrl(e.target.value);
              setError(null);
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
              onChange={(ev) => setEvents(ev.target.checked ? [...events, e] : events.filter((x) => x !== e))}
            />{' '}
            {t(`hooks.event.${e}`)}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
