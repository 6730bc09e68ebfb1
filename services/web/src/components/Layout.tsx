import { Alert, Anchor, AppShell, Burger, Button, Group, Loader, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useLocation, useNavigation } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { fetchPlatform } from '../contract.ts';
import { LiveProvider } from '../live/LiveProvider.tsx';
import { ProgressPanel } from '../live/ProgressPanel.tsx';

const NAV = [
  { to: '/posts', label: 'Posts' },
  { to: '/posts/new', label: 'Compose' },
  { to: '/calendar', label: 'Calendar' },
  { to: '/accounts', label: 'Accounts' },
  { to: '/import', label: 'Import CSV' },
  { to: '/errors', label: 'Errors' },
];

export function SandboxBanner() {
  const platform = useQuery({ queryKey: ['platform'], queryFn: fetchPlatform, staleTime: Infinity, retry: false });
  if (!platform.data?.sandbox) return null;
  return (
    <Alert color="yellow" variant="filled" radius={0} p="xs" role="status" styles={{ message: { color: 'black' } }}>
      Sandbox mode: posts go to {platform.data.providers.facebook}, not to the real Facebook and Instagram.
    </Alert>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { signOut } = useAuth();
  const location = useLocation();
  // The next page's code is loading (the router keeps this page until it is there).
  const loadingPage = useNavigation().state === 'loading';
  const me = useQuery({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/api/auth/me')), staleTime: 60_000 });

  return (
    <LiveProvider>
      <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
              <Anchor component={Link} to="/posts" underline="never" c="inherit">
                <Title order={1} size="h4">
                  Autoposter
                </Title>
              </Anchor>
            </Group>
            <Group gap="xs" wrap="nowrap">
              {loadingPage && <Loader size="xs" aria-label="Loading page" />}
              <Text size="sm" visibleFrom="sm" c="dimmed">
                {me.data?.email}
              </Text>
              <Button variant="default" size="xs" onClick={signOut}>
                Sign out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Main">
          <Stack gap={2}>
            {NAV.map((item) => (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                active={location.pathname === item.to}
                variant="filled"
                aria-current={location.pathname === item.to ? 'page' : undefined}
                onClick={close}
              />
            ))}
            {me.data?.role === 'admin' && (
              <NavLink href="/admin/queues" label="Queues (Bull Board)" target="_blank" rel="noopener" />
            )}
          </Stack>
        </AppShell.Navbar>
        <AppShell.Main>
          <SandboxBanner />
          <main>{children}</main>
          <ProgressPanel />
        </AppShell.Main>
      </AppShell>
    </LiveProvider>
  );
}
