/**
 * An environment's protection (architecture.md §4, "Protection and approvals"): whether only its named
 * deployers and the project's maintainers may deploy, how many approvals each deployment needs, and the
 * deployers, picked from the project's members. Shown to those who may change environments.
 */
import { useState, type FormEvent } from 'react';
import type { EnvironmentView, UserRef } from '@polytene/protocol';
import { ENVIRONMENT_LIMITS as L } from '@polytene/protocol/limits';
import { listMembers, updateEnvironment } from '../api/endpoints';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { Field, FieldErrors, fieldErrors } from './ui';
import { FormFooter } from './FormFooter';

interface Props {
  environment: EnvironmentView;
  onSaved: (environment: EnvironmentView) => void;
}

export function EnvironmentProtection({ environment, onSaved }: Props) {
  const t = useT();
  const members = useAsync((signal) => listMembers(environment.project_id, signal), [environment.project_id]);
  const [isProtected, setProtected] = useState(environment.protected);
  const [required, setRequired] = useState(String(environment.required_approvals));
  const [deployers, setDeployers] = useState(() => environment.deployers.map((d) => d.id));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const errors = fieldErrors(error);
  // Members who may deploy the project, and whoever is listed already (an owner, a removed role).
  const candidates: UserRef[] = [
    ...(members.data?.members ?? [])
      .filter((m) => m.role !== 'viewer')
      .map((m) => ({ id: m.user.id, login: m.user.login })),
  ];
  for (const d of environment.deployers) if (!candidates.some((c) => c.id === d.id)) candidates.push(d);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await updateEnvironment(environment.id, {
        protected: isProtected,
        required_approvals: Number(required),
        deployers,
      });
      setSaved(true);
      onSaved(updated);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card form form-wide"
      onSubmit={(e) => void submit(e)}
      noValidate
      data-testid="environment-protection"
    >
      <h2>{t('protection.title')}</h2>
      <label className="check">
        <input type="checkbox" checked={isProtected} onChange={(e) => setProtected(e.target.checked)} />{' '}
        {t('protection.protected')}
      </label>
      <Field
        label={t('protection.requiredApprovals')}
        error={errors.of('required_approvals')}
        hint={t('protection.requiredApprovalsHint')}
      >
        {(p) => (
          <input
            {...p}
            type="number"
            min={L.required_approvals.minimum}
            max={L.required_approvals.maximum}
            step={1}
            value={required}
            onChange={(e) => setRequired(e.target.value)}
          />
        )}
      </Field>
      <fieldset className="variables">
        <legend>{t('protection.deployers')}</legend>
        <p className="hint">{t('protection.deployersHint')}</p>
        {members.data && candidates.length === 0 && <p className="muted">{t('protection.noCandidates')}</p>}
        {candidates.map((c) => (
          <label key={c.id} className="check">
            <input
              type="checkbox"
              checked={deployers.includes(c.id)}
              onChange={(e) =>
                setDeployers(e.target.checked ? [...deployers, c.id] : deployers.filter((id) => id !== c.id))
              }
            />{' '}
            {c.login}
          </label>
        ))}
        <FieldErrors error={errors.of('deployers')} />
      </fieldset>
      <FormFooter error={error} fields={['required_approvals', 'deployers']} saved={saved} busy={busy} />
    </form>
  );
}
