/** The rows of a variables list (a branch's, an environment's); stored secret values are write-only. */
import type { VariableInput, VariableView } from '@polytene/protocol';
import { BRANCH_LIMITS as L } from '@polytene/protocol/limits';
import { FieldErrors, type fieldErrors } from './ui';
import { useT } from '../i18n';

export interface VariableRow {
  key: string;
  value: string;
  secret: boolean;
  /** A stored secret whose value the server does not show; empty value keeps it. */
  stored: boolean;
}

/** The rows of stored variables: a secret shows empty, and stays as stored unless a new value is typed. */
export function variableRows(views: readonly VariableView[]): VariableRow[] {
  return views.map((v) => ({
    key: v.key,
    value: v.secret ? '' : (v.value ?? ''),
    secret: v.secret,
    stored: v.secret,
  }));
}

/** What is sent: a stored secret left empty goes without a value, so the server keeps it; empty rows are left out. */
export function variablesBody(rows: readonly VariableRow[]): VariableInput[] {
  return rows
    .filter((v) => v.key.trim() !== '')
    .map((v) =>
      v.secret && v.stored && v.value === ''
        ? { key: v.key.trim(), secret: true }
        : { key: v.key.trim(), value: v.value, secret: v.secret },
    );
}

interface Props {
  rows: VariableRow[];
  errors: ReturnType<typeof fieldErrors>;
  onChange: (rows: VariableRow[]) => void;
  hint: string;
}

export function VariablesEditor({ rows, errors, onChange, hint }: Props) {
  const t = useT();
  const setVariable = (index: number, change: Partial<VariableRow>) =>
    onChange(rows.map((v, i) => (i === index ? { ...v, ...change } : v)));
  return (
    <fieldset className="variables">
      <legend>{t('branch.variables')}</legend>
      <p className="hint">{hint}</p>
      {rows.map((v, i) => (
        <div className="variable-row" key={i}>
          <label>
            <span className="sr-only">{t('branch.varKey')}</span>
            <input
              className="mono"
              placeholder={t('branch.varKey')}
              value={v.key}
              maxLength={L.variable_key.maxLength}
              aria-invalid={Boolean(errors.of(`variables.${i}.key`))}
              aria-describedby={errors.of(`variables.${i}`) ? `variable-${i}-error` : undefined}
              onChange={(e) => setVariable(i, { key: e.target.value })}
            />
          </label>
          <label>
            <span className="sr-only">{t('branch.varValue')}</span>
            <input
              className="mono"
              type={v.secret ? 'password' : 'text'}
              autoComplete="off"
              placeholder={v.stored ? t('branch.secretKept') : t('branch.varValue')}
              aria-invalid={Boolean(errors.of(`variables.${i}.value`))}
              aria-describedby={errors.of(`variables.${i}`) ? `variable-${i}-error` : undefined}
              maxLength={L.variable_value.maxLength}
              value={v.value}
              onChange={(e) => setVariable(i, { value: e.target.value })}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={v.secret}
              disabled={v.stored}
              onChange={(e) => setVariable(i, { secret: e.target.checked })}
            />
            {t('branch.secret')}
          </label>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            {t('common.remove')}
          </button>
          <FieldErrors id={`variable-${i}-error`} error={errors.of(`variables.${i}`)} />
        </div>
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => onChange([...rows, { key: '', value: '', secret: false, stored: false }])}
      >
        {t('branch.addVariable')}
      </button>
      <FieldErrors error={errors.of('variables')?.filter((p) => !/^variables\.\d/.test(p.field)) ?? null} />
    </fieldset>
  );
}
