import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './client';

export type Loadable<T> =
  | { state: 'loading'; data?: T }
  | { state: 'error'; error: ApiError; data?: T }
  | { state: 'ready'; data: T };

/** Runs `load` when `key` changes (and on reload()); the view renders loading, error and data states. */
export function useApi<T>(load: () => Promise<T>, key: string): Loadable<T> & { reload: () => void } {
  const [result, setResult] = useState<Loadable<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setResult((previous) => ({ state: 'loading', data: previous.data }));
    load().then(
      (data) => current && setResult({ state: 'ready', data }),
      (error: unknown) => current && setResult({ state: 'error', error: toApiError(error) }),
    );
    return () => {
      current = false;
    };
    // `load` is a new closure each render; `key` says when what it loads changes.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...result, reload };
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(String(error), 0, 'client_error', null);
}

/** One action (a POST, a PATCH): its pending flag and last error, for buttons and forms. */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await action();
    } catch (caught) {
      setError(toApiError(caught));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { pending, error, run, clearError: () => setError(null) };
}
