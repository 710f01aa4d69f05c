/** The profile's GitLab connection: choose one of the instances an administrator configured, add a token. */
import { useState, type FormEvent } from 'react';
import {
  getGitlabConnection,
  listGitlabInstances,
  saveGitlabConnection,
  verifyGitlabConnection,
} from '../api/endpoints';
import { Field, FormError, fieldErrors } from '../components/ui';
import { useI18n } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { Link } from '../router';
import { useUser } from '../session';
import { InputField } from '../components/InputField';

/** Save the instance and token, then verify them. */
export function GitlabConnection() {
  const { t } = useI18n();
  const user = useUser();
  const current = useAsync((signal) => getGitlabConnection(signal), []);
  const instances = useAsync((signal) => listGitlabInstances(signal), []);
  const [chosen, setChosen] = useState<number | null>(null);
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [verifyProblem, setVerifyProblem] = useState<string | null>(null);
  const errors = fieldErrors(error);
  if (!instances.data) return null;
  const connection = current.data;
  const list = instances.data.instances;
  const instanceId = chosen ?? connection?.instance?.id ?? list[0]?.id ?? null;
  const verify = async () => {
    setVerifyProblem(null);
    setMessage(null);
    try {
      const result = await verifyGitlabConnection();
      if (result.ok && result.user) setMessage(t('profile.gitlabVerified', { user: result.user.username }));
      else setVerifyProblem(result.error?.message ?? t('error.unexpected'));
      current.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      if (instanceId === null) return;
      const saved = await saveGitlabConnection(instanceId, token);
      current.setData(saved);
      setToken('');
      await verify();
    } catch (failure) {
      setError(failure);
    }
  };
  if (list.length === 0) {
    return (
      <section className="card">
        <h2>{t('profile.gitlab')}</h2>
        {user.role === 'admin' ? (
          <p>
            <Link to="/gitlab-instances">{t('profile.gitlabAddInstance')}</Link>
          </p>
        ) : (
          <p className="muted">{t('profile.gitlabAskAdmin')}</p>
        )}
      </section>
    );
  }
  return (
    <section className="card">
      <form className="form" onSubmit={(e) => void save(e)} noValidate>
        <h2>{t('profile.gitlab')}</h2>
        {connection?.verified_username && (
          <p className="notice notice-ok">
            {t('profile.gitlabVerified', { user: connection.verified_username })}
          </p>
        )}
        {connection?.last_error && <p className="field-error">{connection.last_error}</p>}
        <Field label={t('profile.gitlabInstance')} error={errors.of('instance_id')}>
          {(p) => (
            <select {...p} value={instanceId ?? ''} onChange={(e) => setChosen(Number(e.target.value))}>
              {list.map((instance) => (
                <option key={instance.id} value={instance.id}>
                  {instance.name} ({instance.url})
                </option>
              ))}
            </select>
          )}
        </Field>
        <InputField
          label={t('profile.gitlabToken')}
          error={errors.of('token')}
          hint={t('profile.gitlabTokenHint')}
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <FormError error={error} fields={['instance_id', 'token']} />
        {verifyProblem && (
          <p className="form-error" role="alert">
            {verifyProblem}
          </p>
        )}
        {message && (
          <p className="notice notice-ok" role="status">
            {message}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={!token || instanceId === null}>
            {t('profile.gitlabSave')}
          </button>
          {connection?.connected && (
            <button type="button" className="btn" onClick={() => void verify()}>
              {t('profile.gitlabVerify')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
