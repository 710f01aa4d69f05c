/** Small shared pieces: states, badges, fields, dialogs, copy buttons, pagination. */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, type FieldProblem } from '../api/client';
import { useI18n, useT, type MessageKey, type Translate } from '../i18n';
import { problemText } from '../lib/problems';
import { formatDateTime, relativeTime } from '../lib/format';
import { useNow } from '../lib/useNow';

export function Loading({ label }: { label?: string }) {
  const t = useT();
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </div>
  );
}

/** An API error in plain words (the server's message), with a retry when there is one. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  return (
    <div className="state state-error" role="alert">
      <p>{errorMessage(error, t)}</p>
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function errorMessage(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK') return t('error.network');
    if (error.status === 404) return t('error.notFound');
    if (error.status === 403 && error.code !== 'VALIDATION_FAILED')
      return error.message || t('error.forbidden');
    // Problems with a code are said in the user's language, each with the field it is about.
    if (error.details.length && error.details.every((d) => d.code))
      return error.details.map((d) => `${d.field}: ${problemText(d, t)}`).join('; ');
    return error.message;
  }
  return t('error.unexpected');
}

/**
 * A table's header row: one cell per column, and a last cell for the row's buttons when there are any,
 * named for screen readers only (kept inside the table's own scroll box, so it cannot widen a phone page).
 */
export function TableHead({ columns, actions }: { columns: readonly string[]; actions?: string }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column}>{column}</th>
        ))}
        {actions !== undefined && (
          <th>
            <span className="sr-only">{actions}</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

interface DataTableProps {
  columns: readonly string[];
  /** The screen-reader name of the last column, which holds each row's buttons; none when absent. */
  actions?: string;
  label?: string;
  className?: string;
  /** The rows: `<tr>` elements. */
  children: ReactNode;
}

/** A table in its own scroll box (phone width), with its header row. */
export function DataTable({ columns, actions, label, className, children }: DataTableProps) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'} aria-label={label}>
        <TableHead columns={columns} actions={actions} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

const STATUS_KEYS: Record<string, MessageKey> = {
  queued: 'status.queued',
  running: 'status.running',
  succeeded: 'status.succeeded',
  failed: 'status.failed',
  canceled: 'status.canceled',
  skipped: 'status.skipped',
  awaiting_approval: 'status.awaiting_approval',
  not_deployed: 'status.not_deployed',
  success: 'ci.success',
  pending: 'ci.pending',
  created: 'ci.created',
  manual: 'ci.manual',
};

const STATUS_TONE: Record<string, string> = {
  queued: 'wait',
  awaiting_approval: 'wait',
  pending: 'wait',
  created: 'wait',
  manual: 'wait',
  running: 'run',
  succeeded: 'ok',
  success: 'ok',
  failed: 'bad',
  canceled: 'muted',
  skipped: 'muted',
  not_deployed: 'muted',
};

/** A status in the user's language (the status itself when it has no translation). */
export function statusLabel(status: string, t: Translate): string {
  const key = STATUS_KEYS[status];
  return key ? t(key) : status;
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const t = useT();
  return (
    <span className={`badge tone-${STATUS_TONE[status] ?? 'muted'}`} data-status={status}>
      <span className="dot" aria-hidden="true" />
      {label ?? statusLabel(status, t)}
    </span>
  );
}

export function TimeAgo({ at }: { at: string | null | undefined }) {
  const { locale } = useI18n();
  const now = useNow();
  if (!at) return <span className="muted">—</span>;
  return (
    <time dateTime={at} title={formatDateTime(at, locale)}>
      {relativeTime(at, locale, Math.max(now, Date.now()))}
    </time>
  );
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="btn btn-small" onClick={() => void copy()} aria-live="polite">
      {copied ? t('common.copied') : (label ?? t('common.copy'))}
    </button>
  );
}

/** A value to copy: shown in monospace with a copy button. */
export function CopyField({ label, value }: { label: string; value: string }) {
  return (
    <div className="copy-field">
      <span className="copy-label">{label}</span>
      <code className="copy-value">{value}</code>
      <CopyButton text={value} />
    </div>
  );
}

interface FieldProps {
  label: string;
  /** A message, or the problems the API (or the form itself) found with this field. */
  error?: string | readonly FieldProblem[] | null;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}

/** Every problem of a field in the user's language, or a message as it is; empty when there is none. */
export function problemTexts(
  error: string | readonly FieldProblem[] | null | undefined,
  t: Translate,
): string[] {
  if (!error) return [];
  if (typeof error === 'string') return [error];
  return error.map((p) => problemText(p, t));
}

/** The problems of one field (a variable row), each on its own line. */
export function FieldErrors({
  id,
  error,
}: {
  id?: string;
  error: string | readonly FieldProblem[] | null | undefined;
}) {
  const t = useT();
  const texts = problemTexts(error, t);
  if (!texts.length) return null;
  return (
    <div id={id} role="alert">
      {texts.map((text, i) => (
        <p className="field-error" key={i}>
          {text}
        </p>
      ))}
    </div>
  );
}

/** A labelled form control with every problem of it (from the API's `details`) right under it. */
export function Field({ label, error, hint, children }: FieldProps) {
  const t = useT();
  const id = useId();
  const texts = problemTexts(error, t);
  const described = [texts.length ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${texts.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': texts.length > 0, 'aria-describedby': described || undefined })}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldErrors id={`${id}-error`} error={error} />
    </div>
  );
}

/** Problems the API named for a field, and a form-level message for the rest. */
export function fieldErrors(error: unknown) {
  return {
    of: (field: string) => (error instanceof ApiError ? error.forField(field) : null),
  };
}

export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  const t = useT();
  if (!error) return null;
  if (
    error instanceof ApiError &&
    error.details.length &&
    error.details.every((d) => fields.some((f) => d.field === f || d.field.startsWith(`${f}.`)))
  )
    return null;
  return (
    <p className="form-error" role="alert">
      {errorMessage(error, t)}
    </p>
  );
}

interface ConfirmProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal question (native <dialog>: focus trapped, Escape cancels). */
export function ConfirmDialog(props: ConfirmProps) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      {props.open && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            props.onConfirm();
          }}
        >
          <h2>{props.title}</h2>
          <div className="dialog-body">{props.children}</div>
          {props.error ? (
            <p className="form-error" role="alert">
              {errorMessage(props.error, t)}
            </p>
          ) : null}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={props.onCancel}>
              {t('common.cancel')}
            </button>
            <button
              type="submit"
              className={`btn ${props.danger ? 'btn-danger' : 'btn-primary'}`}
              disabled={props.busy}
              autoFocus
            >
              {props.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

export function Pagination({
  page,
  perPage,
  total,
  onPage,
}: {
  page: number;
  perPage: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const t = useT();
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={t('common.pagination')}>
      <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← {t('common.previous')}
      </button>
      <span>{t('common.pageOf', { page, pages })}</span>
      <button
        type="button"
        className="btn btn-small"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
      >
        {t('common.next')} →
      </button>
    </nav>
  );
}

/** Shown once: a new token with a warning that it will not be shown again. */
export function SecretOnce({
  title,
  value,
  label,
  children,
}: {
  title: string;
  value: string;
  /** What the value is; a token unless said. */
  label?: string;
  children?: ReactNode;
}) {
  const t = useT();
  return (
    <div className="secret-once" role="status">
      <p className="secret-once-title">{title}</p>
      <CopyField label={label ?? t('common.token')} value={value} />
      {children}
      <p className="hint">{t('common.shownOnce')}</p>
    </div>
  );
}
