import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Loading, error and empty states, the same on every page. */
export function QueryState({
  isPending,
  error,
  isEmpty,
  empty,
  onRetry,
  children,
  what,
}: {
  isPending: boolean;
  error: Error | null;
  isEmpty?: boolean;
  empty?: ReactNode;
  onRetry?: () => void;
  what: string;
  children: ReactNode;
}) {
  if (isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={`Loading ${what}`} />
      </Center>
    );
  }
  if (error) {
    return (
      <Alert color="red" title={`Could not load ${what}`} role="alert">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{error.message}</Text>
          {onRetry && (
            <Button size="xs" variant="white" color="red" onClick={onRetry}>
              Try again
            </Button>
          )}
        </Stack>
      </Alert>
    );
  }
  if (isEmpty) {
    return (
      <Center py="xl">
        <Stack align="center" gap="xs">
          {empty ?? <Text c="dimmed">Nothing here yet.</Text>}
        </Stack>
      </Center>
    );
  }
  return <>{children}</>;
}
