import type { InputHTMLAttributes, ReactNode } from 'react';
import type { FieldProblem } from '../api/client';
import { Field } from './ui';

type InputFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  label: string;
  /** A message, or the problems the API (or the form itself) found with this field. */
  error?: string | readonly FieldProblem[] | null;
  hint?: ReactNode;
};

/** A labelled `<input>` with its hint and problems: the common case of `Field`. */
export function InputField({ label, error, hint, ...input }: InputFieldProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(p) => <input {...p} {...input} />}
    </Field>
  );
}
