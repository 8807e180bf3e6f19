import type { PolicyConfigError } from '../schema/validate-policy-config';

/** A policy revision that cannot be activated; `path` points at the first offending field. */
export class PolicyCompileError extends Error {
  readonly path: string;
  readonly errors: readonly PolicyConfigError[];

  constructor(errors: readonly PolicyConfigError[]) {
    const first = errors[0] ?? { path: '', message: 'invalid policy' };
    super(first.path ? `${first.path}: ${first.message}` : first.message);
    this.name = 'PolicyCompileError';
    this.path = first.path;
    this.errors = errors;
  }
}
