/**
 * An environment's freeze windows in words ("every Friday 16:00 – Monday 08:00 (Europe/Warsaw)", "from
 * … to …"), with forms to add and delete them and to set how long a deployment may wait in a freeze, for
 * those who may change the environment (architecture.md §4, "Freeze windows").
 */
import { useState, type FormEvent } from 'react';
import type { EnvironmentView } from '@polytene/protocol';
import { FREEZE_KINDS, type FreezeKind } from '@polytene/protocol/enums';
import { FREEZE_LIMITS as L } from '@polytene/protocol/limits';
import {
  createFreezeWindow,
  deleteFreezeWindow,
  listFreezeWindows,
  updateEnvironment,
} from '../api/endpoints';
import { ErrorBox, Field, FormError, Loading, fieldErrors } from './ui';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import {
  EMPTY_FREEZE_FORM,
  WEEKDAYS,
  dayName,
  describeWindow,
  localZone,
  toFreezeBody,
  type FreezeForm,
} from './freeze-form';

/** "frozen until T" when the environment is in a freeze now; nothing otherwise. */
export function FrozenBadge({ until }: { until: string | null }) {
  const { t, locale } = useI18n();
  if (!until) return null;
  return (
    <span className="tag tag-warn" data-testid="frozen-badge">
      {t('freeze.frozenUntil', { until: formatDateTime(until, locale) })}
    </span>
  );
}

interface Props {
  environment: EnvironmentView;
  canEdit: boolean;
  onChanged: (environment?: EnvironmentView) => void;
}

export function FreezeWindows({ environment, canEdit, onChanged }: Props) {
  const { t, locale } = useI18n();
  const windows = useAsync(
    (signal) => listFreezeWindows(environment.id, signal),
    [environment.id, environment.updated_at, environment.frozen_until],
  );
  const [form, setForm] = useState<FreezeForm>(EMPTY_FREEZE_FORM);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const set = <K extends keyof FreezeForm>(key: K, value: FreezeForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      windows.reload();
      onChanged();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await act(() => createFreezeWindow(environment.id, toFreezeBody(form)))) setForm(EMPTY_FREEZE_FORM);
  };

  return (
    <section className="card" aria-labelledby="env-freeze">
      <h2 id="env-freeze">{t('freeze.title')}</h2>
      {windows.loading && !windows.data && <Loading />}
      {windows.error ? <ErrorBox error={windows.error} onRetry={windows.reload} /> : null}
      {windows.data && windows.data.freeze_windows.length === 0 && (
        <p className="muted">{t('freeze.none')}</p>
      )}
      {windows.data && windows.data.freeze_windows.length > 0 && (
        <ul className="plain-list" data-testid="freeze-windows">
          {windows.data.freeze_windows.map((w) => (
            <li key={w.id}>
              {describeWindow(w, t, locale)}
              {w.reason && <span className="muted"> · {w.reason}</span>}{' '}
              {canEdit && (
                <button
                  type="button"
                  className="btn btn-small btn-danger"
                  disabled={busy}
                  aria-label={`${t('freeze.delete')}: ${describeWindow(w, t, locale)}`}
                  onClick={() => void act(() => deleteFreezeWindow(w.id))}
                >
                  {t('common.delete')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form className="form form-wide" onSubmit={(e) => void add(e)} noValidate>
          <div className="grid-2">
            <Field label={t('freeze.kind')} error={errors.of('kind')}>
              {(p) => (
                <select {...p} value={form.kind} onChange={(e) => set('kind', e.target.value as FreezeKind)}>
                  {FREEZE_KINDS.map((kind) => (
                    <option key={kind} value={kind}>
                      {t(`freeze.kind.${kind}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('freeze.reason')} error={errors.of('reason')}>
              {(p) => (
                <input
                  {...p}
                  value={form.reason}
                  maxLength={L.reason.maxLength}
                  onChange={(e) => set('reason', e.target.value)}
                />
              )}
            </Field>
          </div>
          {form.kind === 'recurring' ? (
            <div className="grid-2">
              {(['starts', 'ends'] as const).map((end) => (
                <div key={end} className="form-inline">
                  <Field
                    label={t(end === 'starts' ? 'freeze.startsDay' : 'freeze.endsDay')}
                    error={errors.of(`${end}_weekday`)}
                  >
                    {(p) => (
                      <select
                        {...p}
                        value={end === 'starts' ? form.startsWeekday : form.endsWeekday}
                        onChange={(e) =>
                          set(end === 'starts' ? 'startsWeekday' : 'endsWeekday', Number(e.target.value))
                        }
                      >
                        {WEEKDAYS.map((day) => (
                          <option key={day} value={day}>
                            {dayName(t, day)}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field
                    label={t(end === 'starts' ? 'freeze.startsTime' : 'freeze.endsTime')}
                    error={errors.of(`${end}_time`)}
                  >
                    {(p) => (
                      <input
                        {...p}
                        type="time"
                        value={end === 'starts' ? form.startsTime : form.endsTime}
                        onChange={(e) => set(end === 'starts' ? 'startsTime' : 'endsTime', e.target.value)}
                      />
                    )}
                  </Field>
                </div>
              ))}
              <Field label={t('freeze.timeZone')} error={errors.of('time_zone')}>
                {(p) => (
                  <input
                    {...p}
                    className="mono"
                    value={form.timeZone}
                    placeholder={localZone()}
                    maxLength={L.time_zone.maxLength}
                    onChange={(e) => set('timeZone', e.target.value)}
                  />
                )}
              </Field>
            </div>
          ) : (
            <div className="grid-2">
              <Field label={t('freeze.startsAt')} error={errors.of('starts_at')}>
                {(p) => (
                  <input
                    {...p}
                    type="datetime-local"
                    value={form.startsAt}
                    onChange={(e) => set('startsAt', e.target.value)}
                  />
                )}
              </Field>
              <Field label={t('freeze.endsAt')} error={errors.of('ends_at')}>
                {(p) => (
                  <input
                    {...p}
                    type="datetime-local"
                    value={form.endsAt}
                    onChange={(e) => set('endsAt', e.target.value)}
                  />
                )}
              </Field>
            </div>
          )}
          <FormError
            error={error}
            fields={[
              'kind',
              'reason',
              'starts_weekday',
              'starts_time',
              'ends_weekday',
              'ends_time',
              'time_zone',
              'starts_at',
              'ends_at',
            ]}
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {t('freeze.add')}
            </button>
          </div>
        </form>
      )}
      {canEdit && <ExpireHours environment={environment} onSaved={onChanged} />}
    </section>
  );
}

/** How long a deployment may wait in a freeze before it is canceled (PATCH /environments/:id). */
function ExpireHours({
  environment,
  onSaved,
}: {
  environment: EnvironmentView;
  onSaved: (env: EnvironmentView) => void;
}) {
  const { t } = useI18n();
  const [hours, setHours] = useState(environment.freeze_expire_hours?.toString() ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const value = hours.trim() === '' ? null : Number(hours);
      onSaved(await updateEnvironment(environment.id, { freeze_expire_hours: value }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form form-inline freeze-expire" onSubmit={(e) => void save(e)} noValidate>
      <Field
        label={t('freeze.expireHours')}
        error={fieldErrors(error).of('freeze_expire_hours')}
        hint={t('freeze.expireHint')}
      >
        {(p) => (
          <input
            {...p}
            type="number"
            min={L.expire_hours.minimum}
            max={L.expire_hours.maximum}
            value={hours}
            onChange={(e) => setHours(e.target.value)}
          />
        )}
      </Field>
      <FormError error={error} fields={['freeze_expire_hours']} />
      <button type="submit" className="btn" disabled={busy}>
        {t('common.save')}
      </button>
    </form>
  );
}
