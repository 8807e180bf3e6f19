import { Button, Container, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { saveToken } from '../api/session';
import { useAction } from '../api/use-api';
import { ErrorState } from '../shared/states';

/** Checks the admin token against a cheap admin call before keeping it for this tab's session. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await action.run(() => request('GET', '/plans', { token: token.trim() }));
    if (ok) {
      saveToken(token.trim());
      onSignedIn();
    }
  };
  return (
    <Container size={420} py={80}>
      <main>
        <Title order={1} size="h2" mb="xs">
          Policy Gateway console
        </Title>
        <Text c="dimmed" size="sm" mb="lg">
          Sign in with the admin token (printed by <code>npm start</code>, or your deployment&apos;s{' '}
          <code>ADMIN_TOKEN</code>). It is kept in this tab&apos;s session storage only.
        </Text>
        <Paper withBorder p="lg" component="form" onSubmit={(event) => void submit(event)}>
          <Stack>
            <PasswordInput
              label="Admin token"
              value={token}
              onChange={(event) => setToken(event.currentTarget.value)}
              required
              autoComplete="off"
            />
            {action.error ? <ErrorState error={action.error} title="Sign-in failed" /> : null}
            <Button type="submit" loading={action.pending} disabled={!token.trim()}>
              Sign in
            </Button>
          </Stack>
        </Paper>
      </main>
    </Container>
  );
}
