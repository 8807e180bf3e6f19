import { Button, Divider, Group, Stack, Table, Text, Title } from '@mantine/core';
import { getJson } from '../api/client';
import type { UsageReport } from '../api/types';
import { useApi } from '../api/use-api';
import { BarChart } from '../shared/bar-chart';
import { count, usd } from '../shared/format';
import { useProjects } from '../shared/project-context';
import { EmptyState, Loaded } from '../shared/states';
import { BudgetPanel } from './budget-panel';
import { PricesPanel } from './prices-panel';
import { TableHead } from '../shared/table-head';

function monthStart(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

function UsageTable({ report, by }: { report: UsageReport; by: 'day' | 'model' }) {
  return (
    <div className="pgw-table-scroll">
      <Table aria-label={`Usage by ${by}`} striped data-testid={`usage-by-${by}`}>
        <TableHead
          columns={[
            by === 'day' ? 'Day (UTC)' : 'Model',
            'Requests',
            'Input tokens',
            'Output tokens',
            'Total tokens',
            'Cost',
          ]}
        />
        <Table.Tbody>
          {report.breakdown.map((row) => (
            <Table.Tr key={row.day ?? row.model}>
              <Table.Td>{by === 'day' ? row.day : row.model}</Table.Td>
              <Table.Td>{count(row.requests)}</Table.Td>
              <Table.Td>{count(row.input_tokens)}</Table.Td>
              <Table.Td>{count(row.output_tokens)}</Table.Td>
              <Table.Td>{count(row.total_tokens)}</Table.Td>
              <Table.Td>{usd(row.cost_micros)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** Tokens and cost of the selected project this month, by day and by model; budget; prices. */
export default function UsageView() {
  const { selected, refresh } = useProjects();
  const project = selected!;
  const base = `/billing/projects/${encodeURIComponent(project.id)}/usage`;
  const reports = useApi(async () => {
    const from = monthStart();
    const [byDay, byModel] = await Promise.all([
      getJson<UsageReport>(base, { from, group_by: 'day' }),
      getJson<UsageReport>(base, { from, group_by: 'model' }),
    ]);
    return { byDay, byModel };
  }, `${project.id}:${project.monthly_budget_micros}`);

  return (
    <Stack gap="lg">
      <BudgetPanel key={project.id} project={project} onSaved={refresh} />
      <Divider />
      <Group justify="space-between">
        <Title order={3} size="h4">
          Usage this month
        </Title>
        <Button variant="default" size="xs" onClick={reports.reload}>
          Refresh usage
        </Button>
      </Group>
      <Loaded value={reports} label="usage">
        {({ byDay, byModel }) =>
          byModel.totals.requests === 0 ? (
            <EmptyState>No billed requests this month.</EmptyState>
          ) : (
            <Stack gap="md">
              <Group gap="lg" data-testid="usage-totals">
                <Text size="sm">
                  Requests <strong>{count(byModel.totals.requests)}</strong>
                </Text>
                <Text size="sm">
                  Tokens <strong>{count(byModel.totals.total_tokens)}</strong>
                </Text>
                <Text size="sm">
                  Cost <strong>{usd(byModel.totals.cost_micros)}</strong>
                </Text>
              </Group>
              <div className="pgw-two-columns">
                <BarChart
                  title="Tokens by day"
                  labels={byDay.breakdown.map((row) => row.day ?? '')}
                  series={[
                    {
                      label: 'input',
                      color: '#228be6',
                      values: byDay.breakdown.map((row) => row.input_tokens),
                    },
                    {
                      label: 'output',
                      color: '#15aabf',
                      values: byDay.breakdown.map((row) => row.output_tokens),
                    },
                  ]}
                  summary={`${byModel.totals.total_tokens} tokens in ${byDay.breakdown.length} days`}
                />
                <BarChart
                  title="Cost by model (USD)"
                  labels={byModel.breakdown.map((row) => row.model ?? '')}
                  series={[
                    {
                      label: 'cost',
                      color: '#7950f2',
                      values: byModel.breakdown.map((row) => row.cost_micros / 1_000_000),
                    },
                  ]}
                  summary={byModel.breakdown.map((row) => `${row.model} ${usd(row.cost_micros)}`).join(', ')}
                />
              </div>
              <UsageTable report={byDay} by="day" />
              <UsageTable report={byModel} by="model" />
            </Stack>
          )
        }
      </Loaded>
      <Divider />
      <PricesPanel />
    </Stack>
  );
}
