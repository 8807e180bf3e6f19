import { Badge, Divider, Group, Paper, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { getJson } from '../api/client';
import type { Page, PolicyRevision } from '../api/types';
import { useApi } from '../api/use-api';
import { useProjects } from '../shared/project-context';
import { EmptyState, Loaded } from '../shared/states';
import { DryRunPanel } from './dry-run-panel';
import { prettyJson } from './json-tools';
import { parseDraft, PolicyEditor, type EditorDraft } from './policy-editor';
import { RevisionDiff } from './revision-diff';
import { RevisionHistory, rolloutLabel } from './revision-history';

const STARTER_CONFIG = {
  version: 1,
  rules: [{ id: 'emails', category: 'pii.email', target: 'both', action: 'redact' }],
};

/** The selected project's policy: history, diff, editor, dry run, activation and rollback. */
export default function PoliciesView() {
  const { selected, refresh } = useProjects();
  const project = selected!;
  const base = `/projects/${encodeURIComponent(project.id)}/policies`;
  const revisions = useApi(() => getJson<Page<PolicyRevision>>(base, { limit: 100 }), project.id);
  const active = revisions.data?.data.find((revision) => revision.active) ?? null;
  const [draft, setDraft] = useState<EditorDraft | null>(null);

  // The editor starts from the active revision (or a starter rule) once the history has loaded.
  useEffect(() => {
    if (revisions.state === 'ready' && draft === null) {
      setDraft(parseDraft(prettyJson(active?.config ?? STARTER_CONFIG)));
    }
  }, [revisions.state, active, draft]);

  const changed = () => {
    revisions.reload();
    refresh();
  };

  return (
    <Stack gap="lg">
      <Paper withBorder p="sm">
        <Group gap="md">
          <Text size="sm">
            Project <strong>{project.name}</strong>
          </Text>
          {active ? (
            <>
              <Badge color="green">active r{active.revision}</Badge>
              <Badge
                variant="light"
                color={active.rollout_mode === 'enforce' ? 'blue' : 'orange'}
                data-testid="active-rollout"
              >
                {rolloutLabel(active)}
              </Badge>
            </>
          ) : (
            <Badge color="gray">no active policy</Badge>
          )}
        </Group>
      </Paper>
      <Loaded value={revisions} label="policy revisions">
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>No policy yet: write the first revision in the editor below.</EmptyState>
          ) : (
            <Stack gap="lg">
              <RevisionHistory base={base} revisions={page.data} onChanged={changed} />
              <RevisionDiff key={page.data.length} revisions={page.data} />
            </Stack>
          )
        }
      </Loaded>
      <Divider />
      {draft ? (
        <div className="pgw-two-columns">
          <PolicyEditor
            key={active?.revision ?? 0}
            base={base}
            active={active}
            draft={draft}
            onDraft={setDraft}
            onSaved={changed}
          />
          <DryRunPanel base={base} draft={draft} />
        </div>
      ) : null}
    </Stack>
  );
}
