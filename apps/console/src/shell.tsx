import { Button, Group, NavLink, Select, Text, Title } from '@mantine/core';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { getJson } from './api/client';
import type { Page, Plan, Project } from './api/types';
import { useApi } from './api/use-api';
import { useHashView, VIEWS, type View } from './shared/hash-route';
import { ProjectContext, type ProjectContextValue } from './shared/project-context';
import { ErrorState, LoadingState } from './shared/states';

// Each view is its own chunk: the first screen loads only the shell and the view it shows.
const ProjectsView = lazy(() => import('./projects/projects-view'));
const PoliciesView = lazy(() => import('./policies/policies-view'));
const AuditView = lazy(() => import('./audit/audit-view'));
const UsageView = lazy(() => import('./usage/usage-view'));

const LABELS: Record<View, string> = {
  projects: 'Projects & keys',
  policies: 'Policies',
  audit: 'Audit',
  usage: 'Usage & budgets',
};

async function loadDirectory(): Promise<{ projects: Project[]; plans: Plan[] }> {
  const [projects, plans] = await Promise.all([
    getJson<Page<Project>>('/projects', { limit: 500 }),
    getJson<{ data: Plan[] }>('/plans'),
  ]);
  return { projects: projects.data, plans: plans.data };
}

export function ConsoleShell({ onSignOut }: { onSignOut: () => void }) {
  const [view, setView] = useHashView();
  const directory = useApi(loadDirectory, 'directory');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const projects = directory.data?.projects ?? [];

  useEffect(() => {
    if (!selectedId && projects[0]) setSelectedId(projects[0].id);
  }, [projects, selectedId]);

  const context = useMemo<ProjectContextValue>(
    () => ({
      projects,
      plans: directory.data?.plans ?? [],
      selected: projects.find((project) => project.id === selectedId) ?? null,
      select: setSelectedId,
      refresh: directory.reload,
    }),
    [projects, directory.data, selectedId, directory.reload],
  );

  return (
    <ProjectContext.Provider value={context}>
      {/* A plain CSS grid rather than Mantine's AppShell, whose responsive rules are injected <style>
          elements that the Content-Security-Policy refuses. */}
      <div className="pgw-layout">
        <header className="pgw-header">
          <Title order={1} size="h4">
            Policy Gateway
          </Title>
          <Group wrap="nowrap" gap="sm">
            <Select
              aria-label="Project"
              placeholder={projects.length ? 'Project' : 'No projects'}
              data={projects.map((project) => ({ value: project.id, label: project.name }))}
              value={selectedId}
              onChange={(value) => value && setSelectedId(value)}
              searchable
              w={200}
              data-testid="project-select"
            />
            <Button variant="default" onClick={onSignOut}>
              Sign out
            </Button>
          </Group>
        </header>
        <nav className="pgw-nav" aria-label="Views">
          {VIEWS.map((name) => (
            <NavLink
              key={name}
              href={`#/${name}`}
              label={LABELS[name]}
              active={view === name}
              aria-current={view === name ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                setView(name);
              }}
            />
          ))}
        </nav>
        <main className="pgw-main">
          <Title order={2} mb="md">
            {LABELS[view]}
          </Title>
          {directory.state === 'error' ? (
            <ErrorState error={directory.error} title="Could not load projects" />
          ) : directory.state === 'loading' && !directory.data ? (
            <LoadingState label="projects" />
          ) : view !== 'projects' && !context.selected ? (
            <Text c="dimmed" data-testid="empty-state">
              Create a project first (Projects &amp; keys).
            </Text>
          ) : (
            <Suspense fallback={<LoadingState label="view" />}>
              {view === 'projects' ? <ProjectsView /> : null}
              {view === 'policies' ? <PoliciesView /> : null}
              {view === 'audit' ? <AuditView /> : null}
              {view === 'usage' ? <UsageView /> : null}
            </Suspense>
          )}
        </main>
      </div>
    </ProjectContext.Provider>
  );
}
