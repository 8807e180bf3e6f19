import { Alert, Button, Code, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { request, sendJson, withQuery } from '../api/client';
import type { Attestation, Plan, Project } from '../api/types';
import { useAction } from '../api/use-api';
import { ErrorState } from '../shared/states';
import { toIso } from './audit-filters';

function localInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** Saves a response body as a file; the body came with the admin token header, so no token is in a URL. */
function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function PlanGate({ feature, project }: { feature: string; project: Project }) {
  return (
    <Alert color="gray" title={`${feature}: enterprise plan`} data-testid="plan-gated">
      {feature} are available on the enterprise plan; <strong>{project.name}</strong> is on the{' '}
      <strong>{project.plan}</strong> plan. Change the plan under Projects &amp; keys.
    </Alert>
  );
}

/** JSONL/CSV exports and signed attestations of the selected project, or why its plan has none. */
export function AuditExports({ project, plan }: { project: Project; plan: Plan | undefined }) {
  const now = new Date();
  const [from, setFrom] = useState(localInput(new Date(now.getTime() - 30 * 86_400_000)));
  const [to, setTo] = useState(localInput(new Date(now.getTime() + 60_000)));
  const [attestation, setAttestation] = useState<Attestation | null>(null);
  const exporting = useAction();
  const attesting = useAction();

  const exportAs = async (format: 'jsonl' | 'csv') => {
    const response = await exporting.run(() =>
      request(
        'GET',
        withQuery('/audit/export', { format, project_id: project.id, from: toIso(from), to: toIso(to) }),
      ),
    );
    if (response) saveFile(await response.blob(), `audit-${project.id}.${format}`);
  };
  const attest = async () => {
    setAttestation(null);
    // An attestation covers a closed period: it may not end in the future.
    const end = toIso(to) && new Date(toIso(to)!) < new Date() ? toIso(to) : new Date().toISOString();
    const signed = await attesting.run(() =>
      sendJson<Attestation>('POST', '/audit/attestations', {
        project_id: project.id,
        from: toIso(from),
        to: end,
      }),
    );
    if (signed) setAttestation(signed);
  };

  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        Export and attest
      </Title>
      <Group align="flex-end">
        <TextInput
          type="datetime-local"
          label="Period from"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          type="datetime-local"
          label="Period to"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
      </Group>
      {plan?.exports_allowed ? (
        <Group>
          <Button variant="default" loading={exporting.pending} onClick={() => void exportAs('jsonl')}>
            Export JSONL
          </Button>
          <Button variant="default" loading={exporting.pending} onClick={() => void exportAs('csv')}>
            Export CSV
          </Button>
        </Group>
      ) : (
        <PlanGate feature="Exports" project={project} />
      )}
      {exporting.error ? <ErrorState error={exporting.error} title="Export failed" /> : null}
      {plan?.attestations_allowed ? (
        <Group>
          <Button variant="default" loading={attesting.pending} onClick={() => void attest()}>
            Create signed attestation
          </Button>
        </Group>
      ) : (
        <PlanGate feature="Compliance attestations" project={project} />
      )}
      {attesting.error ? <ErrorState error={attesting.error} title="Attestation failed" /> : null}
      {attestation ? (
        <Alert color="green" title="Attestation signed" data-testid="attestation">
          <Stack gap={4}>
            <Text size="sm">
              {attestation.attestation.row_count} rows, key <Code>{attestation.attestation.key_id}</Code>
            </Text>
            <Text size="xs" className="pgw-mono">
              rows_sha256 {attestation.attestation.rows_sha256}
            </Text>
            <Group>
              <Button
                size="xs"
                variant="default"
                onClick={() =>
                  saveFile(
                    new Blob([JSON.stringify(attestation, null, 2)], { type: 'application/json' }),
                    `attestation-${project.id}.json`,
                  )
                }
              >
                Download attestation
              </Button>
            </Group>
            <Text size="xs" c="dimmed">
              Verify offline with scripts/verify-attestation.mjs (docs/audit-service.md).
            </Text>
          </Stack>
        </Alert>
      ) : null}
    </Stack>
  );
}
