import {
  Alert,
  Button,
  Card,
  FileButton,
  Group,
  List,
  Modal,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client.ts';
import type { Account, AccountHealthReport } from '../api/types.ts';
import { ToneBadge, type Tone } from '../components/badges.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';
import { QueryState } from '../components/states.tsx';
import { validateSession, type SessionCheck } from '../contract.ts';
import { useLive } from '../live/LiveProvider.tsx';
import { missingSessionCookies, parseSessionInput } from '../lib/session-input.ts';
import { formatDateTime } from '../lib/time.ts';

type Kind = Account['kind'];
const KIND_LABELS: Record<Kind, string> = {
  facebook_browser: 'Facebook (browser session)',
  facebook_page: 'Facebook Page (token)',
  instagram_business: 'Instagram business (token)',
};
const HEALTH_TONES = { healthy: ['green.9', 'white'], warning: ['yellow.5', 'black'], error: ['red.9', 'white'] } as const satisfies Record<string, Tone>;

const HealthBadge = ({ status }: { status: keyof typeof HEALTH_TONES }) => <ToneBadge tone={HEALTH_TONES[status]}>{status}</ToneBadge>;

function actionNeeded(row: AccountHealthReport['accounts'][number], account: Account | undefined): string {
  if (account?.cooldown_until && Date.parse(account.cooldown_until) > Date.now()) return `Blocked by the provider until ${formatDateTime(account.cooldown_until)}`;
  if (!row.session_exists) return 'Add a session';
  if (row.session_valid === false) return 'Session invalid: update it';
  if (row.health_status === 'warning') return 'Session getting old: refresh it soon';
  return 'None';
}

/** The session text field of the add and update forms, with a file picker and the how-to. */
function BrowserSessionField({ value, onChange, error }: { value: string; onChange(value: string): void; error?: string }) {
  const readFile = (file: File | null) => void file?.text().then(onChange);
  return (
    <Stack gap="xs">
      <Text size="sm">
        Sign in to Facebook in a browser, then either export its cookies (a cookie-export extension's JSON, a cookies.txt, or the
        <code> Cookie </code>header of a facebook.com request) or save a Playwright storage state (<code>context.storageState()</code>). The
        session needs the <code>c_user</code> and <code>xs</code> cookies. It is encrypted and never shown again.
      </Text>
      <Textarea label="Cookies or storage state" autosize minRows={3} maxRows={8} value={value} onChange={(e) => onChange(e.currentTarget.value)} error={error} />
      <FileButton onChange={readFile} accept=".json,.txt,application/json,text/plain">
        {(props) => (
          <Button variant="default" size="xs" {...props} w="fit-content">
            Upload a storage-state or cookie file
          </Button>
        )}
      </FileButton>
    </Stack>
  );
}

function AddAccountModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>('facebook_browser');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [session, setSession] = useState('');
  const [providerId, setProviderId] = useState('');
  const [token, setToken] = useState('');
  const [login, setLogin] = useState<'facebook' | 'instagram'>('facebook');
  const [error, setError] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: () => {
      const credentials =
        kind === 'facebook_browser'
          ? parseSessionInput(session)
          : kind === 'facebook_page'
            ? { page_id: providerId.trim(), access_token: token.trim() }
            : { ig_user_id: providerId.trim(), access_token: token.trim(), ...(login === 'instagram' ? { login } : {}) };
      return unwrap(api.POST('/api/accounts', { body: { kind, name, email: email || null, credentials } }));
    },
    onSuccess: (account) => {
      notifications.show({ color: 'green', message: `Added ${account.name}` });
      void queryClient.invalidateQueries({ queryKey: ['accounts'] });
      setName('');
      setSession('');
      setToken('');
      setProviderId('');
      onClose();
    },
    onError: (failure) => setError(failure.message),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    create.mutate();
  };
  const missing = kind === 'facebook_browser' && session.trim() ? (() => { try { return missingSessionCookies(parseSessionInput(session)); } catch { return []; } })() : [];

  return (
    <Modal opened={opened} onClose={onClose} title="Add an account" size="lg">
      <form onSubmit={submit}>
        <Stack>
          <SegmentedControl
            aria-label="Account kind"
            value={kind}
            onChange={(value) => setKind(value as Kind)}
            data={[
              { value: 'facebook_browser', label: 'Browser session' },
              { value: 'facebook_page', label: 'Page token' },
              { value: 'instagram_business', label: 'Instagram token' },
            ]}
          />
          <Text size="sm" c="dimmed">
            {kind === 'facebook_browser'
              ? 'Posts to Marketplace and groups through a real browser signed in as this account.'
              : kind === 'facebook_page'
                ? 'Posts to a Facebook Page through the Graph API with a Page access token (not a user token).'
                : 'Posts to an Instagram business or creator account through the Graph API.'}
          </Text>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} description="How this account is shown here" />
          <TextInput label="Email (optional)" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          {kind === 'facebook_browser' ? (
            <>
              <BrowserSessionField value={session} onChange={setSession} />
              {missing.length > 0 && (
                <Text size="sm" c="orange.9">
                  Missing {missing.join(' and ')}: this session is probably not signed in.
                </Text>
              )}
            </>
          ) : (
            <>
              <TextInput
                label={kind === 'facebook_page' ? 'Page id' : 'Instagram user id'}
                required
                value={providerId}
                onChange={(e) => setProviderId(e.currentTarget.value)}
                description={kind === 'facebook_page' ? 'From the Page’s About section or the Graph API Explorer' : 'The IG user id linked to your Page'}
              />
              <PasswordInput label="Access token" required value={token} onChange={(e) => setToken(e.currentTarget.value)} description="A long-lived token; it is checked with Meta before it is saved" />
              {kind === 'instagram_business' && (
                <SegmentedControl
                  aria-label="Instagram login"
                  value={login}
                  onChange={(value) => setLogin(value as typeof login)}
                  data={[
                    { value: 'facebook', label: 'Facebook Login (Page-connected)' },
                    { value: 'instagram', label: 'Instagram Login' },
                  ]}
                />
              )}
            </>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add account
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SessionModal({ account, onClose }: { account: Account; onClose(): void }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState('');
  const update = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/accounts/{id}/session', {
          params: { path: { id: account.id } },
          body: account.kind === 'facebook_browser' ? parseSessionInput(value) : { access_token: value.trim() },
        }),
      ),
    onSuccess: () => {
      notifications.show({ color: 'green', message: `Session of ${account.name} updated` });
      void queryClient.invalidateQueries({ queryKey: ['accounts'] });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Update the session of ${account.name}`} size="lg">
      <form onSubmit={(event) => (event.preventDefault(), update.mutate())}>
        <Stack>
          {account.kind === 'facebook_browser' ? (
            <BrowserSessionField value={value} onChange={setValue} error={update.error?.message} />
          ) : (
            <PasswordInput label="New access token" required value={value} onChange={(e) => setValue(e.currentTarget.value)} error={update.error?.message} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={update.isPending}>
              Save session
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function LimitsModal({ account, onClose }: { account: Account; onClose(): void }) {
  const queryClient = useQueryClient();
  const [dailyCap, setDailyCap] = useState<string | number>(account.limits.daily_cap);
  const [minGap, setMinGap] = useState<string | number>(account.limits.min_gap_seconds);
  const [from, setFrom] = useState(account.limits.posting_hours?.from ?? '');
  const [to, setTo] = useState(account.limits.posting_hours?.to ?? '');
  const [timezone, setTimezone] = useState(account.limits.timezone);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/accounts/{id}', {
          params: { path: { id: account.id } },
          body: {
            limits: {
              daily_cap: Number(dailyCap),
              min_gap_seconds: Number(minGap),
              posting_hours: from && to ? { from, to } : null,
              timezone,
            },
          },
        }),
      ),
    onSuccess: () => {
      notifications.show({ color: 'green', message: `Limits of ${account.name} saved` });
      void queryClient.invalidateQueries({ queryKey: ['accounts'] });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Pacing limits of ${account.name}`}>
      <form onSubmit={(event) => (event.preventDefault(), save.mutate())}>
        <Stack>
          {save.error && (
            <Alert color="red" role="alert">
              {save.error.message}
            </Alert>
          )}
          <NumberInput label="Posts per day at most" min={1} value={dailyCap} onChange={setDailyCap} />
          <NumberInput label="Seconds between two posts at least" min={0} value={minGap} onChange={setMinGap} />
          <Group grow>
            <TextInput type="time" label="Posting hours from" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
            <TextInput type="time" label="to" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
          </Group>
          <Text size="xs" c="dimmed">
            Leave both empty to post at any hour.
          </Text>
          <TextInput label="Time zone of the posting hours" value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save limits
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function CheckResult({ result }: { result: SessionCheck }) {
  return (
    <Alert color={result.valid ? 'green' : 'red'} title={result.valid ? 'Session works' : 'Session does not work'} role="status">
      <Text size="sm">{result.message}</Text>
      {result.action_required && <Text size="sm">Action: {result.action_required}</Text>}
      {result.flow_check && (
        <Text size="sm">
          Marketplace form: {result.flow_check.ok ? 'every field found' : `missing ${result.flow_check.missing.join(', ')}`}
        </Text>
      )}
    </Alert>
  );
}

export default function AccountsPage() {
  const [adding, setAdding] = useState(false);
  const [sessionOf, setSessionOf] = useState<Account | null>(null);
  const [limitsOf, setLimitsOf] = useState<Account | null>(null);
  const [checks, setChecks] = useState<Record<string, SessionCheck>>({});
  const { state } = useLive();
  const queryClient = useQueryClient();
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/api/accounts')) });
  const health = useQuery({ queryKey: ['accounts', 'health'], queryFn: () => unwrap(api.GET('/api/accounts/health-check')) });
  const check = useMutation({
    mutationFn: ({ account, flow }: { account: Account; flow?: 'marketplace' }) => validateSession(account.id, flow),
    onSuccess: (result, { account }) => {
      setChecks((current) => ({ ...current, [account.id]: result }));
      void queryClient.invalidateQueries({ queryKey: ['accounts'] });
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Check failed', message: error.message }),
  });

  const byId = new Map((accounts.data?.items ?? []).map((account) => [account.id, account]));
  const summary = health.data?.summary;
  const liveStatus = (accountId: string) => state.accounts[accountId]?.value.health_status as keyof typeof HEALTH_TONES | undefined;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Accounts</Title>
        <Button onClick={() => setAdding(true)}>Add account</Button>
      </Group>
      <QueryState what="account health" isPending={health.isPending} error={health.error} onRetry={() => void health.refetch()}>
        {summary && (
          <SimpleGrid cols={{ base: 2, sm: 4 }} aria-label="Health summary">
            <Card withBorder>
              <Text size="xs" c="dimmed">Accounts</Text>
              <Text fw={700} size="xl">{summary.total_accounts}</Text>
            </Card>
            <Card withBorder>
              <Text size="xs" c="dimmed">Healthy</Text>
              <Text fw={700} size="xl" c="green.9">{summary.healthy}</Text>
            </Card>
            <Card withBorder>
              <Text size="xs" c="dimmed">Warning</Text>
              <Text fw={700} size="xl" c="yellow.9">{summary.warning}</Text>
            </Card>
            <Card withBorder>
              <Text size="xs" c="dimmed">Error</Text>
              <Text fw={700} size="xl" c="red.9">{summary.error}</Text>
            </Card>
          </SimpleGrid>
        )}
      </QueryState>
      <QueryState
        what="accounts"
        isPending={health.isPending}
        error={health.error}
        isEmpty={(health.data?.accounts.length ?? 0) === 0}
        empty={
          <>
            <Text>No accounts yet. Add the Facebook session, Page or Instagram account you want to post as.</Text>
            <Button variant="light" onClick={() => setAdding(true)}>
              Add account
            </Button>
          </>
        }
      >
        <ScrollRegion label="Accounts (scrollable)" minWidth={900}>
          <Table aria-label="Accounts" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account</Table.Th>
                <Table.Th>Health</Table.Th>
                <Table.Th>Session age</Table.Th>
                <Table.Th>Posted / failed</Table.Th>
                <Table.Th>Limits</Table.Th>
                <Table.Th>Action needed</Table.Th>
                <Table.Th>Manage</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(health.data?.accounts ?? []).map((row) => {
                const account = byId.get(row.account_id);
                const result = checks[row.account_id];
                return (
                  <Table.Tr key={row.account_id}>
                    <Table.Td>
                      <Text fw={600} size="sm">{row.name}</Text>
                      <Text size="xs" c="dimmed">{KIND_LABELS[row.kind]}{row.email ? ` · ${row.email}` : ''}</Text>
                    </Table.Td>
                    <Table.Td>
                      <HealthBadge status={liveStatus(row.account_id) ?? row.health_status} />
                    </Table.Td>
                    <Table.Td>{row.session_age_days === null ? '—' : `${row.session_age_days} d`}</Table.Td>
                    <Table.Td>
                      {row.posted_count} / {row.failed_count}
                    </Table.Td>
                    <Table.Td>
                      {account && (
                        <Text size="xs">
                          {account.limits.daily_cap}/day, {account.limits.min_gap_seconds}s gap
                          {account.limits.posting_hours ? `, ${account.limits.posting_hours.from}–${account.limits.posting_hours.to} ${account.limits.timezone}` : ''}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{actionNeeded(row, account)}</Text>
                      {result && <CheckResult result={result} />}
                    </Table.Td>
                    <Table.Td>
                      {account && (
                        <Group gap={4}>
                          <Button size="xs" variant="default" loading={check.isPending && check.variables?.account.id === account.id && !check.variables.flow} onClick={() => check.mutate({ account })}>
                            Check now
                          </Button>
                          {account.kind === 'facebook_browser' && (
                            <Button size="xs" variant="default" loading={check.isPending && check.variables?.account.id === account.id && !!check.variables.flow} onClick={() => check.mutate({ account, flow: 'marketplace' })}>
                              Check Marketplace form
                            </Button>
                          )}
                          <Button size="xs" variant="default" onClick={() => setSessionOf(account)}>
                            Update session
                          </Button>
                          <Button size="xs" variant="default" onClick={() => setLimitsOf(account)}>
                            Edit limits
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </ScrollRegion>
        <List size="xs" c="dimmed">
          <List.Item>Healthy: a session under 30 days old, not known invalid. Warning: 30 days or older, or the last check failed temporarily. Error: missing or invalid.</List.Item>
        </List>
      </QueryState>
      <AddAccountModal opened={adding} onClose={() => setAdding(false)} />
      {sessionOf && <SessionModal account={sessionOf} onClose={() => setSessionOf(null)} />}
      {limitsOf && <LimitsModal account={limitsOf} onClose={() => setLimitsOf(null)} />}
    </Stack>
  );
}
