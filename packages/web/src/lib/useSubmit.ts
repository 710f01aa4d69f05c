import { useState, type FormEvent } from 'react';

/**
 * A form's submit: `busy` while `action` runs (so the button can be disabled), and what it threw kept
 * in `error` for the form to show. `action` may throw its own problems (a check before sending).
 */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void run();
  };
  return { busy, error, setError, onSubmit };
}
