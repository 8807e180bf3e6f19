import { Button, Group, NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { sendJson } from '../api/client';
import type { Project } from '../api/types';
import { useAction } from '../api/use-api';
import { dollarsToMicros, usd } from '../shared/format';
import { ConsoleModal } from '../shared/console-modal';
import { ErrorState } from '../shared/states';

interface FormValues {
  name: string;
  plan: string;
  default_rollout_mode: string;
  allowed_models: string;
  requests_per_minute: number | string;
  tokens_per_minute: number | string;
  budget_usd: string;
  budget_soft_alert_percent: number | string;
  audit_retention_days: number | string;
}

function initialValues(project: Project | null): FormValues {
  return {
    name: project?.name ?? '',
    plan: project?.plan ?? 'free',
    default_rollout_mode: project?.default_rollout_mode ?? 'enforce',
    allowed_models: project?.allowed_models.join(', ') ?? 'gpt-4o-mini',
    requests_per_minute: project?.limits.requests_per_minute ?? '',
    tokens_per_minute: project?.limits.tokens_per_minute ?? '',
    budget_usd: project?.monthly_budget_micros == null ? '' : usd(project.monthly_budget_micros).slice(1),
    budget_soft_alert_percent: project?.budget_soft_alert_percent ?? 80,
    audit_retention_days: project?.audit_retention_days ?? 30,
  };
}

const numberOrUndefined = (value: number | string) => (value === '' ? undefined : Number(value));

/** Create (project = null) or edit a project: plan, limits, allowed models, budget, retention. */
export function ProjectForm({
  project,
  opened,
  onClose,
  onSaved,
}: {
  project: Project | null;
  opened: boolean;
  onClose: () => void;
  onSaved: (project: Project) => void;
}) {
  const [values, setValues] = useState<FormValues>(() => initialValues(project));
  const [budgetInvalid, setBudgetInvalid] = useState(false);
  const action = useAction();
  const set =
    <K extends keyof FormValues>(key: K) =>
    (value: FormValues[K]) =>
      setValues((current) => ({ ...current, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const budget = values.budget_usd.trim() === '' ? null : dollarsToMicros(values.budget_usd);
    setBudgetInvalid(budget === null && values.budget_usd.trim() !== '');
    if (budget === null && values.budget_usd.trim() !== '') return;
    const limits = {
      requests_per_minute: numberOrUndefined(values.requests_per_minute),
      tokens_per_minute: numberOrUndefined(values.tokens_per_minute),
    };
    const initial = initialValues(project);
    const limitsChanged =
      values.requests_per_minute !== initial.requests_per_minute ||
      values.tokens_per_minute !== initial.tokens_per_minute;
    const body = {
      name: values.name.trim(),
      plan: values.plan,
      default_rollout_mode: values.default_rollout_mode,
      allowed_models: values.allowed_models
        .split(',')
        .map((model) => model.trim())
        .filter(Boolean),
      // Only limits the person changed: the shown ones may be the plan's defaults, which follow the plan.
      ...(limitsChanged ? { limits } : {}),
      monthly_budget_micros: budget,
      budget_soft_alert_percent: numberOrUndefined(values.budget_soft_alert_percent),
      audit_retention_days: numberOrUndefined(values.audit_retention_days),
    };
    const saved = await action.run(() =>
      project
        ? sendJson<Project>('PATCH', `/projects/${encodeURIComponent(project.id)}`, body)
        : sendJson<Project>('POST', '/projects', body),
    );
    if (saved) onSaved(saved);
  };

  return (
    <ConsoleModal opened={opened} onClose={onClose} title={project ? `Edit ${project.name}` : 'New project'}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput
            label="Name"
            required
            value={values.name}
            onChange={(e) => set('name')(e.currentTarget.value)}
          />
          <Group grow>
            <Select
              label="Plan"
              data={['free', 'team', 'enterprise']}
              value={values.plan}
              onChange={(value) => value && set('plan')(value)}
              allowDeselect={false}
            />
            <Select
              label="Default rollout"
              data={['enforce', 'shadow', 'canary']}
              value={values.default_rollout_mode}
              onChange={(value) => value && set('default_rollout_mode')(value)}
              allowDeselect={false}
            />
          </Group>
          <TextInput
            label="Allowed models"
            description="Comma-separated model ids"
            value={values.allowed_models}
            onChange={(e) => set('allowed_models')(e.currentTarget.value)}
          />
          <Group grow>
            <NumberInput
              label="Requests / min"
              description="Empty: plan default"
              min={0}
              value={values.requests_per_minute}
              onChange={set('requests_per_minute')}
            />
            <NumberInput
              label="Tokens / min"
              description="Empty: plan default"
              min={0}
              value={values.tokens_per_minute}
              onChange={set('tokens_per_minute')}
            />
          </Group>
          <Group grow>
            <TextInput
              label="Monthly budget (USD)"
              description="Empty: no budget"
              value={values.budget_usd}
              error={budgetInvalid ? 'A dollar amount, up to 6 decimals' : undefined}
              onChange={(e) => set('budget_usd')(e.currentTarget.value)}
            />
            <NumberInput
              label="Soft alert (%)"
              min={1}
              max={100}
              value={values.budget_soft_alert_percent}
              onChange={set('budget_soft_alert_percent')}
            />
          </Group>
          <NumberInput
            label="Audit retention (days)"
            description="Above 30 days needs the enterprise plan"
            min={1}
            value={values.audit_retention_days}
            onChange={set('audit_retention_days')}
          />
          {action.error ? <ErrorState error={action.error} title="Not saved" /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={action.pending}>
              {project ? 'Save' : 'Create project'}
            </Button>
          </Group>
        </Stack>
      </form>
    </ConsoleModal>
  );
}
