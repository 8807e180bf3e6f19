import {
  Alert,
  Button,
  Code,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { ApiError, sendJson } from '../api/client';
import type { PolicyRevision, RolloutMode } from '../api/types';
import { useAction } from '../api/use-api';
import { ConfirmButton } from '../shared/confirm-button';
import { ErrorState } from '../shared/states';
import { lineOfPath, prettyJson } from './json-tools';

export interface EditorDraft {
  text: string;
  /** The parsed config, or the JSON syntax error. */
  parsed: { config: Record<string, unknown> } | { syntaxError: string };
}

export function parseDraft(text: string): EditorDraft {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { text, parsed: { syntaxError: 'The config must be a JSON object.' } };
    }
    return { text, parsed: { config: value as Record<string, unknown> } };
  } catch (error) {
    return { text, parsed: { syntaxError: (error as Error).message } };
  }
}

/** Where the API's validation error points: its path, and the line of the editor that holds it. */
function ErrorAtPath({ error, text }: { error: ApiError; text: string }) {
  const line = error.param ? lineOfPath(text, error.param) : null;
  return (
    <Stack gap={4}>
      <ErrorState error={error} title="The policy is not valid" />
      {line ? (
        <Text size="sm" data-testid="error-line">
          line {line}: <Code>{text.split('\n')[line - 1]?.trim()}</Code>
        </Text>
      ) : null}
    </Stack>
  );
}

/** Edit a new revision from the active one: validated by the policy service before it is saved. */
export function PolicyEditor({
  base,
  active,
  draft,
  onDraft,
  onSaved,
}: {
  base: string;
  active: PolicyRevision | null;
  draft: EditorDraft;
  onDraft: (draft: EditorDraft) => void;
  onSaved: () => void;
}) {
  const [message, setMessage] = useState('');
  const [mode, setMode] = useState<RolloutMode>(active?.rollout_mode ?? 'enforce');
  const [canary, setCanary] = useState<number | string>(active?.canary_percent ?? 10);
  const [validated, setValidated] = useState(false);
  const action = useAction();
  const syntaxError = 'syntaxError' in draft.parsed ? draft.parsed.syntaxError : null;

  const body = (activate: boolean) => ({
    config: 'config' in draft.parsed ? draft.parsed.config : {},
    message: message.trim() || undefined,
    rollout_mode: mode,
    ...(mode === 'canary' ? { canary_percent: Number(canary) } : {}),
    activate,
  });
  // Validation without saving: a dry run compiles the draft config (sample text, nothing stored).
  const validate = async () => {
    setValidated(false);
    const ok = await action.run(() =>
      sendJson(`POST`, `${base}/dry-run`, {
        text: 'validation',
        target: 'input',
        config: body(false).config,
      }),
    );
    setValidated(Boolean(ok));
  };
  const save = async (activate: boolean) => {
    setValidated(false);
    const saved = await action.run(() => sendJson<PolicyRevision>('POST', base, body(activate)));
    if (saved) {
      setMessage('');
      onSaved();
    }
  };

  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        Editor
      </Title>
      <Textarea
        className="pgw-editor"
        label="Policy config (JSON)"
        description="Starts from the active revision. Rules: id, category, target, action, …"
        autosize
        minRows={12}
        maxRows={30}
        spellCheck={false}
        value={draft.text}
        error={
          syntaxError
            ? `JSON: ${syntaxError}`
            : action.error?.param
              ? `Error at ${action.error.param}`
              : undefined
        }
        onChange={(event) => {
          setValidated(false);
          action.clearError();
          onDraft(parseDraft(event.currentTarget.value));
        }}
        data-testid="policy-editor"
      />
      <Group align="flex-end">
        <TextInput
          label="Change message"
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
          w={260}
        />
        <Select
          label="Rollout mode"
          data={['enforce', 'shadow', 'canary']}
          value={mode}
          onChange={(value) => value && setMode(value as RolloutMode)}
          allowDeselect={false}
          w={130}
        />
        {mode === 'canary' ? (
          <NumberInput label="Canary %" min={0} max={100} value={canary} onChange={setCanary} w={110} />
        ) : null}
      </Group>
      {action.error ? <ErrorAtPath error={action.error} text={draft.text} /> : null}
      {validated ? (
        <Alert color="green" title="Valid" data-testid="policy-valid">
          The policy service compiled this config.
        </Alert>
      ) : null}
      <Group>
        <Button
          variant="default"
          disabled={Boolean(syntaxError)}
          onClick={() => 'config' in draft.parsed && onDraft(parseDraft(prettyJson(draft.parsed.config)))}
        >
          Format
        </Button>
        <Button
          variant="default"
          disabled={Boolean(syntaxError)}
          loading={action.pending}
          onClick={() => void validate()}
        >
          Validate
        </Button>
        <Button variant="default" disabled={Boolean(syntaxError)} onClick={() => void save(false)}>
          Save without activating
        </Button>
        <ConfirmButton
          color="blue"
          disabled={Boolean(syntaxError)}
          label="Save and activate"
          title="Activate this policy?"
          confirmLabel="Save and activate"
          onConfirm={() => save(true)}
        >
          The new revision is validated, stored and becomes the active policy of this project on every gateway
          ({mode === 'canary' ? `canary on ${canary}% of traffic` : mode}).
        </ConfirmButton>
      </Group>
    </Stack>
  );
}
