import type { ReactNode } from 'react';
import { useT } from '../i18n';
import { FormError } from './ui';

interface FormFooterProps {
  /** What the last submit threw; problems of `fields` are shown at the fields, the rest here. */
  error: unknown;
  fields: string[];
  /** Shows "Saved." after a successful save, until the form changes again. */
  saved: boolean;
  busy: boolean;
  /** The submit button's words; "Save" when absent. */
  submitLabel?: string;
  /** More buttons after the submit button. */
  children?: ReactNode;
}

/** The end of a settings form: its form-level error, the saved notice and the buttons. */
export function FormFooter({ error, fields, saved, busy, submitLabel, children }: FormFooterProps) {
  const t = useT();
  return (
    <>
      <FormError error={error} fields={fields} />
      {saved && (
        <p className="notice notice-ok" role="status">
          {t('common.saved')}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel ?? t('common.save')}
        </button>
        {children}
      </div>
    </>
  );
}
