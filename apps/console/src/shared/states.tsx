import { Alert, Center, Code, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';
import type { Loadable } from '../api/use-api';

export function LoadingState({ label }: { label: string }) {
  return (
    <Center py="lg" role="status" aria-live="polite">
      <Loader size="sm" aria-hidden />
      <Text ml="sm" size="sm">
        Loading {label}…
      </Text>
    </Center>
  );
}

/** Every API error is shown with its message and its code (and the field it names, if any). */
export function ErrorState({ error, title = 'Request failed' }: { error: ApiError; title?: string }) {
  return (
    <Alert color="red" title={title} role="alert" data-testid="api-error">
      <Stack gap={4}>
        <Text size="sm">{error.message}</Text>
        <Text size="xs">
          code <Code>{error.code}</Code>
          {error.param ? (
            <>
              {' '}
              at <Code data-testid="error-param">{error.param}</Code>
            </>
          ) : null}
          {error.status ? ` · HTTP ${error.status}` : null}
        </Text>
      </Stack>
    </Alert>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" size="sm" py="md" ta="center" data-testid="empty-state">
      {children}
    </Text>
  );
}

/** Renders the three states of a Loadable; `children` gets the data once it is there. */
export function Loaded<T>({
  value,
  label,
  children,
}: {
  value: Loadable<T>;
  label: string;
  children: (data: T) => ReactNode;
}) {
  if (value.state === 'error') return <ErrorState error={value.error} title={`Could not load ${label}`} />;
  if (value.state === 'loading' && value.data === undefined) return <LoadingState label={label} />;
  return <>{children(value.data as T)}</>;
}
