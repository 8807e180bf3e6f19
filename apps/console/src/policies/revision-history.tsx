import { Badge, Group, Table, Text } from '@mantine/core';
import { request, sendJson } from '../api/client';
import type { PolicyRevision } from '../api/types';
import { useAction } from '../api/use-api';
import { ConfirmButton } from '../shared/confirm-button';
import { dateTime } from '../shared/format';
import { ErrorState } from '../shared/states';
import { TableHead } from '../shared/table-head';

export function rolloutLabel(revision: Pick<PolicyRevision, 'rollout_mode' | 'canary_percent'>): string {
  return revision.rollout_mode === 'canary'
    ? `canary ${revision.canary_percent ?? 0}%`
    : revision.rollout_mode;
}

/** Who changed what and when; activate an older revision, or roll back to it as a new revision. */
export function RevisionHistory({
  base,
  revisions,
  onChanged,
}: {
  base: string;
  revisions: PolicyRevision[];
  onChanged: () => void;
}) {
  const action = useAction();
  const run = async (call: () => Promise<unknown>) => {
    await action.run(call);
    onChanged();
  };
  return (
    <>
      {action.error ? <ErrorState error={action.error} title="Not changed" /> : null}
      <div className="pgw-table-scroll">
        <Table aria-label="Policy revisions" striped>
          <TableHead columns={['Revision', 'Rollout', 'Author', 'When', 'What']} actions />
          <Table.Tbody>
            {revisions.map((revision) => (
              <Table.Tr key={revision.revision} data-testid="revision-row">
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text fw={600}>r{revision.revision}</Text>
                    {revision.active ? <Badge color="green">active</Badge> : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={revision.rollout_mode === 'enforce' ? 'blue' : 'orange'}>
                    {rolloutLabel(revision)}
                  </Badge>
                </Table.Td>
                <Table.Td>{revision.author}</Table.Td>
                <Table.Td>{dateTime(revision.created_at)}</Table.Td>
                <Table.Td>
                  <Text size="sm">{revision.message ?? '—'}</Text>
                  <Text size="xs" c="dimmed">
                    {revision.rolled_back_from ? `rollback to r${revision.rolled_back_from}; ` : ''}
                    {revision.diff.length
                      ? revision.diff.map((change) => `${change.op} ${change.path}`).join(', ')
                      : 'no config change'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {revision.active ? null : (
                    <Group gap={6} wrap="nowrap">
                      <ConfirmButton
                        size="xs"
                        variant="light"
                        color="blue"
                        label="Activate"
                        title={`Activate r${revision.revision}?`}
                        confirmLabel="Activate"
                        onConfirm={() => run(() => request('POST', `${base}/${revision.revision}/activate`))}
                      >
                        Every gateway starts enforcing r{revision.revision} ({rolloutLabel(revision)}) within
                        a second.
                      </ConfirmButton>
                      <ConfirmButton
                        size="xs"
                        variant="light"
                        color="orange"
                        label="Roll back"
                        title={`Roll back to r${revision.revision}?`}
                        confirmLabel="Roll back"
                        onConfirm={() =>
                          run(() =>
                            sendJson('POST', `${base}/rollback`, {
                              revision: revision.revision,
                              message: `rollback to r${revision.revision} (console)`,
                            }),
                          )
                        }
                      >
                        A new revision with r{revision.revision}&apos;s config becomes active; the history
                        keeps every revision.
                      </ConfirmButton>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}
