import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import type { Project } from '../api/types';
import { count, dateTime, usd } from '../shared/format';
import { useProjects } from '../shared/project-context';
import { EmptyState } from '../shared/states';
import { KeysPanel } from './keys-panel';
import { ProjectForm } from './project-form';
import { TableHead } from '../shared/table-head';

/** Projects (plan, limits, models, budget, retention) and the selected project's keys. */
export default function ProjectsView() {
  const { projects, selected, select, refresh } = useProjects();
  // null: closed; 'new': create; a project: edit it. The key remounts the form with fresh values.
  const [editing, setEditing] = useState<Project | 'new' | null>(null);

  const saved = (project: Project) => {
    setEditing(null);
    select(project.id);
    refresh();
  };

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {projects.length} project{projects.length === 1 ? '' : 's'}. Select one to see its keys.
        </Text>
        <Button onClick={() => setEditing('new')}>New project</Button>
      </Group>
      {projects.length === 0 ? (
        <EmptyState>No projects yet: create the first one.</EmptyState>
      ) : (
        <div className="pgw-table-scroll">
          <Table highlightOnHover aria-label="Projects">
            <TableHead
              columns={[
                'Name',
                'Plan',
                'Models',
                'Requests / tokens per min',
                'Budget',
                'Retention',
                'Policy',
                'Created',
              ]}
              actions
            />
            <Table.Tbody>
              {projects.map((project) => (
                <Table.Tr
                  key={project.id}
                  data-testid="project-row"
                  aria-selected={selected?.id === project.id}
                  className={selected?.id === project.id ? 'pgw-row-selected' : undefined}
                >
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => select(project.id)}>
                      {project.name}
                    </Button>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{project.plan}</Badge>
                  </Table.Td>
                  <Table.Td>{project.allowed_models.join(', ')}</Table.Td>
                  <Table.Td>
                    {project.limits.requests_per_minute ?? '∞'} / {project.limits.tokens_per_minute ?? '∞'}
                  </Table.Td>
                  <Table.Td>
                    {project.monthly_budget_micros === null ? 'none' : usd(project.monthly_budget_micros)}
                  </Table.Td>
                  <Table.Td>{count(project.audit_retention_days)} days</Table.Td>
                  <Table.Td>
                    {project.active_policy_revision ? `r${project.active_policy_revision}` : 'none'}
                  </Table.Td>
                  <Table.Td>{dateTime(project.created_at)}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="default" onClick={() => setEditing(project)}>
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {selected ? <KeysPanel key={selected.id} project={selected} /> : null}
      {editing ? (
        <ProjectForm
          key={editing === 'new' ? 'new' : editing.id}
          project={editing === 'new' ? null : editing}
          opened
          onClose={() => setEditing(null)}
          onSaved={saved}
        />
      ) : null}
    </Stack>
  );
}
