import { Badge, Button, Divider, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { getJson } from '../api/client';
import type { AuditRecord, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { DECISION_COLORS } from '../policies/dry-run-panel';
import { dateTime } from '../shared/format';
import { planOf, useProjects } from '../shared/project-context';
import { EmptyState, Loaded } from '../shared/states';
import { AuditCharts } from './audit-chart';
import { AuditExports } from './audit-exports';
import { AuditFilterForm, filterQuery, NO_FILTERS, type AuditFilters } from './audit-filters';
import { TableHead } from '../shared/table-head';

const PAGE_SIZES = ['10', '50', '200'];

/** The decision log of the selected project: filters, cursor paging, charts, exports and attestations. */
export default function AuditView() {
  const { selected, plans } = useProjects();
  const project = selected!;
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  // Cursors of the pages seen so far: going back is popping one.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageSize, setPageSize] = useState('50');
  const cursor = cursors[cursors.length - 1] ?? null;
  const query = useMemo(() => ({ ...filterQuery(filters), project_id: project.id }), [filters, project.id]);
  const page = useApi(
    () => getJson<Page<AuditRecord>>('/audit/decisions', { ...query, limit: pageSize, cursor }),
    JSON.stringify({ query, cursor, pageSize }),
  );

  return (
    <Stack gap="lg">
      <AuditFilterForm
        onApply={(next) => {
          setFilters(next);
          setCursors([null]);
        }}
      />
      <AuditCharts query={query} />
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Page {cursors.length} · newest first · metadata only (never prompt or completion text)
        </Text>
        <Group gap="xs">
          <Select
            aria-label="Rows per page"
            data={PAGE_SIZES.map((size) => ({ value: size, label: `${size} rows` }))}
            value={pageSize}
            onChange={(value) => {
              if (!value) return;
              setPageSize(value);
              setCursors([null]);
            }}
            allowDeselect={false}
            size="xs"
            w={110}
          />
          <Button variant="default" size="xs" onClick={() => page.reload()}>
            Refresh
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={cursors.length === 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Previous page
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!page.data?.next_cursor}
            onClick={() => page.data?.next_cursor && setCursors((c) => [...c, page.data!.next_cursor])}
          >
            Next page
          </Button>
        </Group>
      </Group>
      <Loaded value={page} label="decisions">
        {(data) =>
          data.data.length === 0 ? (
            <EmptyState>
              No decisions match: traffic through the gateway shows up here within seconds.
            </EmptyState>
          ) : (
            <div className="pgw-table-scroll">
              <Table striped aria-label="Decisions">
                <TableHead
                  columns={[
                    'Time',
                    'Decision',
                    'Reason',
                    'Categories',
                    'Target',
                    'Rollout',
                    'Policy',
                    'User',
                    'Model',
                    'Request',
                  ]}
                />
                <Table.Tbody>
                  {data.data.map((row) => (
                    <Table.Tr key={row.event_id} data-testid="decision-row" data-event-id={row.event_id}>
                      <Table.Td>{dateTime(row.created_at)}</Table.Td>
                      <Table.Td>
                        <Badge color={DECISION_COLORS[row.decision]}>{row.decision}</Badge>
                      </Table.Td>
                      <Table.Td className="pgw-mono">{row.reason_code}</Table.Td>
                      <Table.Td data-testid="decision-categories">
                        {row.triggered_categories.join(', ') || '—'}
                      </Table.Td>
                      <Table.Td>{row.policy_target}</Table.Td>
                      <Table.Td>
                        {row.rollout_mode}
                        {row.enforced ? '' : ' (not enforced)'}
                      </Table.Td>
                      <Table.Td>{row.policy_id ?? '—'}</Table.Td>
                      <Table.Td>{row.policy_user ?? '—'}</Table.Td>
                      <Table.Td>{row.model}</Table.Td>
                      <Table.Td className="pgw-mono">{row.request_id}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )
        }
      </Loaded>
      <Divider />
      <AuditExports project={project} plan={planOf(plans, project)} />
    </Stack>
  );
}
