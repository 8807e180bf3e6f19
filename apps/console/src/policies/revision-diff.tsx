import { Group, Select, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { PolicyRevision } from '../api/types';
import { EmptyState } from '../shared/states';
import { diffLines, prettyJson, type DiffLine } from './json-tools';

function Column({ label, lines }: { label: string; lines: DiffLine[] }) {
  return (
    <div>
      <Text size="sm" fw={600} mb={4}>
        {label}
      </Text>
      <pre aria-label={label} tabIndex={0}>
        {lines.map((line, index) => (
          <div
            key={index}
            className={line.kind === 'same' ? undefined : `pgw-line-${line.kind}`}
            data-diff={line.kind}
          >
            {line.kind === 'removed' ? '- ' : line.kind === 'added' ? '+ ' : '  '}
            {line.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

/** Any two revisions side by side, changed lines marked (- on the left, + on the right). */
export function RevisionDiff({ revisions }: { revisions: PolicyRevision[] }) {
  const options = revisions.map((revision) => ({
    value: String(revision.revision),
    label: `r${revision.revision}${revision.active ? ' (active)' : ''}`,
  }));
  const [left, setLeft] = useState<string | null>(options[1]?.value ?? options[0]?.value ?? null);
  const [right, setRight] = useState<string | null>(options[0]?.value ?? null);
  const find = (value: string | null) => revisions.find((revision) => String(revision.revision) === value);
  const a = find(left);
  const b = find(right);
  const diff = a && b ? diffLines(prettyJson(a.config), prettyJson(b.config)) : null;
  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        Compare revisions
      </Title>
      {revisions.length < 2 ? (
        <EmptyState>Two revisions are needed for a comparison.</EmptyState>
      ) : (
        <>
          <Group>
            <Select
              label="From"
              data={options}
              value={left}
              onChange={setLeft}
              allowDeselect={false}
              w={160}
            />
            <Select
              label="To"
              data={options}
              value={right}
              onChange={setRight}
              allowDeselect={false}
              w={160}
            />
          </Group>
          {a && b && diff ? (
            <>
              <Text size="sm" c="dimmed">
                rollout r{a.revision}: {a.rollout_mode}
                {a.rollout_mode === 'canary' ? ` ${a.canary_percent}%` : ''} → r{b.revision}: {b.rollout_mode}
                {b.rollout_mode === 'canary' ? ` ${b.canary_percent}%` : ''}
              </Text>
              <div className="pgw-diff" data-testid="revision-diff">
                <Column label={`r${a.revision}`} lines={diff.left} />
                <Column label={`r${b.revision}`} lines={diff.right} />
              </div>
            </>
          ) : null}
        </>
      )}
    </Stack>
  );
}
