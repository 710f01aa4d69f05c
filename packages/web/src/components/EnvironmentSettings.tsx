/**
 * An environment's settings: name, pipeline position, URL, variables and Ansible targets (PATCH
 * /environments/:id). Shown to those who may change environments; secret values are write-only.
 */
import { useState } from 'react';
import type { EnvironmentView } from '@polytene/protocol';
import { ENVIRONMENT_LIMITS as L } from '@polytene/protocol/limits';
import { updateEnvironment } from '../api/endpoints';
import { FieldErrors, fieldErrors } from './ui';
import { VariablesEditor } from './VariablesEditor';
import {
  EMPTY_TARGET,
  ENVIRONMENT_FIELDS,
  toEnvironmentBody,
  toEnvironmentForm,
  type EnvironmentForm,
  type TargetRow,
} from './environment-form';
import { useT } from '../i18n';
import { InputField } from './InputField';
import { useSubmit } from '../lib/useSubmit';
import { FormFooter } from './FormFooter';

interface Props {
  environment: EnvironmentView;
  onSaved: (environment: EnvironmentView) => void;
}

export function EnvironmentSettings({ environment, onSaved }: Props) {
  const t = useT();
  const [form, setForm] = useState<EnvironmentForm>(() => toEnvironmentForm(environment));
  const [saved, setSaved] = useState(false);
  const { busy, error, onSubmit } = useSubmit(async () => {
    const updated = await updateEnvironment(environment.id, toEnvironmentBody(form));
    setForm(toEnvironmentForm(updated));
    setSaved(true);
    onSaved(updated);
  });
  const errors = fieldErrors(error);
  const set = <K extends keyof EnvironmentForm>(key: K, value: EnvironmentForm[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: value }));
  };
  const setTarget = (index: number, change: Partial<TargetRow>) =>
    set(
      'targets',
      form.targets.map((row, i) => (i === index ? { ...row, ...change } : row)),
    );

  return (
    <form className="card form form-wide" onSubmit={onSubmit} noValidate>
      <h2>{t('environment.settings')}</h2>
      <div className="grid-2">
        <InputField
          label={t('environment.name')}
          error={errors.of('name')}
          className="mono"
          value={form.name}
          maxLength={L.name.maxLength}
          required
          onChange={(e) => set('name', e.target.value)}
        />
        <InputField
          label={t('environment.position')}
          error={errors.of('position')}
          hint={t('environment.positionHint')}
          type="number"
          min={L.position.minimum}
          max={L.position.maximum}
          step={1}
          value={form.position}
          onChange={(e) => set('position', e.target.value)}
        />
        <InputField
          label={t('environment.url')}
          error={errors.of('url')}
          hint={t('environment.urlHint')}
          type="url"
          value={form.url}
          maxLength={L.url.maxLength}
          placeholder="https://staging.example.com"
          onChange={(e) => set('url', e.target.value)}
        />
      </div>
      <VariablesEditor
        rows={form.variables}
        errors={errors}
        onChange={(rows) => set('variables', rows)}
        hint={t('environment.variablesHint')}
      />
      <fieldset className="variables">
        <legend>{t('environment.targets')}</legend>
        <p className="hint">{t('environment.targetsHint')}</p>
        {form.targets.map((row, i) => (
          <div className="variable-row target-row" key={i}>
            <label>
              <span className="sr-only">{t('environment.targetName')}</span>
              <input
                className="mono"
                placeholder={t('environment.targetName')}
                value={row.name}
                onChange={(e) => setTarget(i, { name: e.target.value })}
              />
            </label>
            <label>
              <span className="sr-only">{t('environment.targetAddress')}</span>
              <input
                className="mono"
                placeholder={t('environment.targetAddress')}
                value={row.address}
                onChange={(e) => setTarget(i, { address: e.target.value })}
              />
            </label>
            <label>
              <span className="sr-only">{t('environment.targetGroups')}</span>
              <input
                className="mono"
                placeholder={t('environment.targetGroups')}
                value={row.groups}
                onChange={(e) => setTarget(i, { groups: e.target.value })}
              />
            </label>
            <label>
              <span className="sr-only">{t('environment.targetVariables')}</span>
              <textarea
                className="mono"
                rows={Math.max(1, row.variables.split('\n').length)}
                placeholder={t('environment.targetVariables')}
                value={row.variables}
                onChange={(e) => setTarget(i, { variables: e.target.value })}
              />
            </label>
            <button
              type="button"
              className="btn btn-small"
              onClick={() =>
                set(
                  'targets',
                  form.targets.filter((_, j) => j !== i),
                )
              }
            >
              {t('common.remove')}
            </button>
            <FieldErrors error={errors.of(`targets.${i}`)} />
          </div>
        ))}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => set('targets', [...form.targets, { ...EMPTY_TARGET }])}
        >
          {t('environment.addTarget')}
        </button>
      </fieldset>
      <FormFooter error={error} fields={ENVIRONMENT_FIELDS} saved={saved} busy={busy} />
    </form>
  );
}
