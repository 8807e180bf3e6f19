import { Badge, Button, Group, Radio, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { sendJson } from '../api/client';
import type { DryRunResult } from '../api/types';
import { useAction } from '../api/use-api';
import { ErrorState } from '../shared/states';
import type { EditorDraft } from './policy-editor';

export const DECISION_COLORS = { allow: 'green', flag: 'yellow', redact: 'orange', block: 'red' } as const;

/**
 * Try a prompt or completion against the draft or the active revision. The policy service evaluates the
 * text in memory and answers decision metadata only: it never stores the text nor returns it, not even
 * redacted, so the panel shows what would happen (decision, categories, hits) rather than the rewrite.
 */
export function DryRunPanel({ base, draft }: { base: string; draft: EditorDraft }) {
  const [text, setText] = useState('');
  const [target, setTarget] = useState<'input' | 'output'>('input');
  const [against, setAgainst] = useState<'draft' | 'active'>('draft');
  const [result, setResult] = useState<DryRunResult | null>(null);
  const action = useAction();
  const draftConfig = 'config' in draft.parsed ? draft.parsed.config : null;

  const run = async () => {
    setResult(null);
    const answer = await action.run(() =>
      sendJson<DryRunResult>('POST', `${base}/dry-run`, {
        text,
        target,
        ...(against === 'draft' && draftConfig ? { config: draftConfig } : {}),
      }),
    );
    if (answer) setResult(answer);
  };

  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        Dry run
      </Title>
      <Textarea
        label="Sample prompt or completion"
        description="Evaluated in memory and discarded: never stored, logged or sent back."
        minRows={3}
        autosize
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
      />
      <Group>
        <Radio.Group
          label="Target"
          value={target}
          onChange={(value) => setTarget(value as 'input' | 'output')}
        >
          <Group gap="sm" mt={4}>
            <Radio value="input" label="prompt (input)" />
            <Radio value="output" label="completion (output)" />
          </Group>
        </Radio.Group>
        <Radio.Group
          label="Policy"
          value={against}
          onChange={(value) => setAgainst(value as 'draft' | 'active')}
        >
          <Group gap="sm" mt={4}>
            <Radio value="draft" label="editor draft" disabled={!draftConfig} />
            <Radio value="active" label="active revision" />
          </Group>
        </Radio.Group>
      </Group>
      <Group>
        <Button onClick={() => void run()} loading={action.pending} disabled={!text}>
          Run dry run
        </Button>
      </Group>
      {action.error ? <ErrorState error={action.error} title="Dry run failed" /> : null}
      {result ? (
        <Stack gap={4} data-testid="dry-run-result" aria-live="polite">
          <Group gap="xs">
            <Text size="sm">Decision</Text>
            <Badge color={DECISION_COLORS[result.decision]} data-testid="dry-run-decision">
              {result.decision}
            </Badge>
            <Text size="sm">
              reason <code>{result.reason_code}</code>
            </Text>
          </Group>
          <Text size="sm">
            Categories: {result.triggered_categories.length ? result.triggered_categories.join(', ') : 'none'}
          </Text>
          <Text size="sm" c="dimmed">
            allowlist hits {result.allowlist_hits} · denylist hits {result.denylist_hits}
            {result.revision ? ` · revision r${result.revision}` : ' · editor draft'}
          </Text>
        </Stack>
      ) : null}
    </Stack>
  );
}
