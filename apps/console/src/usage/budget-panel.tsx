import { Badge, Button, Group, NumberInput, Progress, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { getJson, sendJson } from '../api/client';
import type { Budget, Project } from '../api/types';
import { useAction, useApi } from '../api/use-api';
import { dollarsToMicros, usd } from '../shared/format';
import { ErrorState, Loaded } from '../shared/states';

/** This month's spend against the project's budget, and the budget setting (owned by the policy service). */
export function BudgetPanel({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const budget = useApi(
    () => getJson<Budget>(`/billing/projects/${encodeURIComponent(project.id)}/budget`),
    `${project.id}:${project.monthly_budget_micros}:${project.budget_soft_alert_percent}`,
  );
  const [amount, setAmount] = useState(
    project.monthly_budget_micros === null ? '' : usd(project.monthly_budget_micros).slice(1),
  );
  const [percent, setPercent] = useState<number | string>(project.budget_soft_alert_percent);
  const [invalid, setInvalid] = useState(false);
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const micros = amount.trim() === '' ? null : dollarsToMicros(amount);
    setInvalid(micros === null && amount.trim() !== '');
    if (micros === null && amount.trim() !== '') return;
    const saved = await action.run(() =>
      sendJson('PATCH', `/projects/${encodeURIComponent(project.id)}`, {
        monthly_budget_micros: micros,
        budget_soft_alert_percent: Number(percent),
      }),
    );
    if (saved) onSaved();
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={3} size="h4">
          Budget this month
        </Title>
        <Button variant="default" size="xs" onClick={budget.reload}>
          Refresh budget
        </Button>
      </Group>
      <Loaded value={budget} label="budget">
        {(data) => {
          const share = data.limit_micros ? Math.min(100, (data.spent_micros / data.limit_micros) * 100) : 0;
          return (
            <Stack gap={6} data-testid="budget-status">
              <Group gap="sm">
                <Text size="sm">
                  Spent <strong data-testid="budget-spent">{usd(data.spent_micros)}</strong> of{' '}
                  <strong>{data.limit_micros === null ? 'no limit' : usd(data.limit_micros)}</strong> in{' '}
                  {data.period}
                </Text>
                {data.exhausted ? <Badge color="red">exhausted</Badge> : null}
                {!data.exhausted && data.soft_limit_reached ? (
                  <Badge color="yellow">soft limit reached</Badge>
                ) : null}
              </Group>
              {data.limit_micros !== null ? (
                <Progress
                  value={share}
                  color={data.exhausted ? 'red' : data.soft_limit_reached ? 'yellow' : 'blue'}
                  aria-label={`Budget used: ${share.toFixed(1)}%`}
                />
              ) : null}
              <Text size="xs" c="dimmed">
                Soft threshold {usd(data.soft_limit_micros)} · as of {data.as_of}
              </Text>
            </Stack>
          );
        }}
      </Loaded>
      <form onSubmit={(event) => void submit(event)} aria-label="Set budget">
        <Group align="flex-end">
          <TextInput
            label="Monthly budget (USD)"
            description="Empty: no budget"
            value={amount}
            error={invalid ? 'A dollar amount, up to 6 decimals' : undefined}
            onChange={(event) => setAmount(event.currentTarget.value)}
            w={200}
          />
          <NumberInput
            label="Soft alert (%)"
            min={1}
            max={100}
            value={percent}
            onChange={setPercent}
            w={130}
          />
          <Button type="submit" loading={action.pending}>
            Set budget
          </Button>
        </Group>
      </form>
      {action.error ? <ErrorState error={action.error} title="Budget not set" /> : null}
    </Stack>
  );
}
