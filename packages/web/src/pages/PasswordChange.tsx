import { useState } from 'react';
import { changePassword, getSession } from '../api/endpoints';
import { FormError, fieldErrors } from '../components/ui';
import { useT } from '../i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { PasswordField } from '../components/UserFields';
import { useSubmit } from '../lib/useSubmit';

/** Changing one's password; `forced` for the default admin's first login (nothing else works until done). */
export function PasswordChangePage({ forced = false }: { forced?: boolean }) {
  const t = useT();
  const { setUser, logout } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, onSubmit } = useSubmit(async () => {
    if (mismatch) return;
    await changePassword(current, next);
    const info = await getSession();
    setUser(info.user, info.must_change_password);
    setCurrent('');
    setNext('');
    setRepeat('');
    setDone(true);
    if (forced) navigate('/dashboard', { replace: true });
  });
  const errors = fieldErrors(error);
  const mismatch = repeat !== '' && next !== repeat;

  const form = (
    <form className={forced ? 'card auth-card' : 'form'} onSubmit={onSubmit} noValidate>
      {forced ? <h1>{t('password.forcedTitle')}</h1> : <h2>{t('password.title')}</h2>}
      {forced && <p className="notice">{t('password.forcedLead')}</p>}
      <PasswordField
        label={t('password.current')}
        value={current}
        error={errors.of('current_password')}
        current
        onChange={setCurrent}
      />
      <PasswordField
        label={t('password.new')}
        value={next}
        error={errors.of('new_password')}
        hint={t('password.rules')}
        onChange={setNext}
      />
      <PasswordField
        label={t('password.repeat')}
        value={repeat}
        error={mismatch ? t('password.mismatch') : null}
        onChange={setRepeat}
      />
      <FormError error={error} fields={['current_password', 'new_password']} />
      {done && !forced && (
        <p className="notice notice-ok" role="status">
          {t('password.changed')}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy || !current || !next || mismatch}>
          {t('password.submit')}
        </button>
        {forced && (
          <button type="button" className="btn" onClick={() => void logout()}>
            {t('nav.logout')}
          </button>
        )}
      </div>
    </form>
  );
  return forced ? <div className="auth-page">{form}</div> : form;
}
