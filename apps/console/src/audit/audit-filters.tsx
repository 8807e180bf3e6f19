import { Button, Group, Select, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';

export interface AuditFilters {
  from: string;
  to: string;
  decision: string;
  reason_code: string;
  category: string;
  policy_id: string;
  policy_user: string;
  model: string;
  enforced: string;
  rollout_mode: string;
}

export const NO_FILTERS: AuditFilters = {
  from: '',
  to: '',
  decision: '',
  reason_code: '',
  category: '',
  policy_id: '',
  policy_user: '',
  model: '',
  enforced: '',
  rollout_mode: '',
};

/** datetime-local values are the browser's local time; the API wants ISO-8601 instants. */
export function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function filterQuery(filters: AuditFilters): Record<string, string | undefined> {
  return { ...filters, from: toIso(filters.from), to: toIso(filters.to) };
}

/** The decision log's filters; applied together with one button so typing does not query on each key. */
export function AuditFilterForm({ onApply }: { onApply: (filters: AuditFilters) => void }) {
  const [values, setValues] = useState<AuditFilters>(NO_FILTERS);
  const text = (key: keyof AuditFilters, label: string) => (
    <TextInput
      label={label}
      value={values[key]}
      onChange={(event) => {
        const value = event.currentTarget.value;
        setValues((current) => ({ ...current, [key]: value }));
      }}
      w={170}
    />
  );
  const choice = (key: keyof AuditFilters, label: string, options: string[]) => (
    <Select
      label={label}
      data={[{ value: '', label: 'any' }, ...options.map((value) => ({ value, label: value }))]}
      value={values[key]}
      onChange={(value) => setValues((current) => ({ ...current, [key]: value ?? '' }))}
      allowDeselect={false}
      w={130}
    />
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(values);
  };
  return (
    <form onSubmit={submit} aria-label="Audit filters">
      <Group align="flex-end" gap="sm">
        <TextInput
          type="datetime-local"
          label="From"
          value={values.from}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setValues((current) => ({ ...current, from: value }));
          }}
        />
        <TextInput
          type="datetime-local"
          label="To"
          value={values.to}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setValues((current) => ({ ...current, to: value }));
          }}
        />
        {choice('decision', 'Decision', ['allow', 'flag', 'redact', 'block'])}
        {text('reason_code', 'Reason code')}
        {text('category', 'Category')}
        {text('policy_id', 'Policy id')}
        {text('policy_user', 'User')}
        {text('model', 'Model')}
        {choice('enforced', 'Enforced', ['true', 'false'])}
        {choice('rollout_mode', 'Rollout', ['enforce', 'shadow', 'canary'])}
        <Button type="submit">Apply filters</Button>
        <Button
          variant="default"
          onClick={() => {
            setValues(NO_FILTERS);
            onApply(NO_FILTERS);
          }}
        >
          Clear
        </Button>
      </Group>
    </form>
  );
}
