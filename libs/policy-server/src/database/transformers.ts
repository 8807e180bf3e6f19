import type { ValueTransformer } from 'typeorm';

/** bigint columns (micro-dollars) come back from pg as strings; they stay far below 2^53. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null || value === undefined ? null : Number(value)),
};
