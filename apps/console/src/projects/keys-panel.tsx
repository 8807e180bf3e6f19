import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { getJson, request, sendJson } from '../api/client';
import type { ApiKey, CreatedKey, Page, Project } from '../api/types';
import { useAction, useApi } from '../api/use-api';
import { ConfirmButton } from '../shared/confirm-button';
import { dateTime } from '../shared/format';
import { ConsoleModal } from '../shared/console-modal';
import { EmptyState, ErrorState, Loaded } from '../shared/states';
import { TableHead } from '../shared/table-head';

/** A project's keys: create (the secret is shown once), list with status and last use, revoke. */
export function KeysPanel({ project }: { project: Project }) {
  const base = `/projects/${encodeURIComponent(project.id)}/keys`;
  const keys = useApi(() => getJson<Page<ApiKey>>(base, { limit: 200 }), project.id);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const revoke = useAction();

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={3} size="h4">
          Keys of {project.name}
        </Title>
        <Button onClick={() => setCreating(true)}>Create key</Button>
      </Group>
      {created ? <CreatedKeyNotice created={created} onDone={() => setCreated(null)} /> : null}
      {revoke.error ? <ErrorState error={revoke.error} title="Key not revoked" /> : null}
      <Loaded value={keys} label="keys">
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState>No keys yet: create one for an application.</EmptyState>
          ) : (
            <div className="pgw-table-scroll">
              <Table striped aria-label="Keys">
                <TableHead columns={['Name', 'Key id', 'Status', 'Last used', 'Expires']} actions />
                <Table.Tbody>
                  {page.data.map((key) => (
                    <Table.Tr key={key.id} data-testid="key-row">
                      <Table.Td>{key.name}</Table.Td>
                      <Table.Td className="pgw-mono">{key.prefix}</Table.Td>
                      <Table.Td>
                        <Badge color={key.status === 'active' ? 'green' : 'gray'}>{key.status}</Badge>
                      </Table.Td>
                      <Table.Td>{key.last_used_at ? dateTime(key.last_used_at) : 'never'}</Table.Td>
                      <Table.Td>{key.expires_at ? dateTime(key.expires_at) : 'never'}</Table.Td>
                      <Table.Td>
                        {key.status === 'active' ? (
                          <ConfirmButton
                            size="xs"
                            variant="light"
                            color="red"
                            label="Revoke"
                            title={`Revoke key ${key.name}?`}
                            confirmLabel="Revoke key"
                            onConfirm={async () => {
                              await revoke.run(() =>
                                request('POST', `${base}/${encodeURIComponent(key.id)}/revoke`),
                              );
                              keys.reload();
                            }}
                          >
                            Requests with this key are refused from now on, on every gateway replica. This
                            cannot be undone.
                          </ConfirmButton>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )
        }
      </Loaded>
      <CreateKeyModal
        opened={creating}
        base={base}
        onClose={() => setCreating(false)}
        onCreated={(key) => {
          setCreating(false);
          setCreated(key);
          keys.reload();
        }}
      />
    </Stack>
  );
}

function CreateKeyModal({
  opened,
  base,
  onClose,
  onCreated,
}: {
  opened: boolean;
  base: string;
  onClose: () => void;
  onCreated: (key: CreatedKey) => void;
}) {
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = await action.run(() => sendJson<CreatedKey>('POST', base, { name: name.trim() }));
    if (key) {
      setName('');
      onCreated(key);
    }
  };
  return (
    <ConsoleModal opened={opened} onClose={onClose} title="New key">
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput
            label="Key name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          {action.error ? <ErrorState error={action.error} title="Key not created" /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={action.pending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </ConsoleModal>
  );
}

/** The full key exists only in this answer: only its hash is stored, so it can never be shown again. */
function CreatedKeyNotice({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  return (
    <Alert color="yellow" title={`Key ${created.name} created: copy it now`} data-testid="created-key">
      <Stack gap="xs">
        <Text size="sm">
          This is the only time the key is shown. Store it in your secret manager; if it is lost, revoke it
          and create a new one.
        </Text>
        <Code block className="pgw-mono" data-testid="created-key-value">
          {created.key}
        </Code>
        <Group>
          <CopyButton value={created.key}>
            {({ copied, copy }) => (
              <Button size="xs" color={copied ? 'teal' : 'blue'} onClick={copy}>
                {copied ? 'Copied' : 'Copy key'}
              </Button>
            )}
          </CopyButton>
          <Button size="xs" variant="default" onClick={onDone}>
            I have stored it
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
