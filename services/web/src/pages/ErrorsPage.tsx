import { Accordion, Anchor, Code, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import type { ErrorLogs } from '../api/types.ts';
import { ToneBadge } from '../components/badges.tsx';
import { Screenshot } from '../components/Screenshot.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';
import { QueryState } from '../components/states.tsx';
import { CHANNEL_LABELS, type Channel } from '../lib/channel-rules.ts';
import { formatDateTime } from '../lib/time.ts';

type ErrorType = ErrorLogs['error_logs'][number]['error_type'];
const ERROR_TYPES: ErrorType[] = ['session_expired', 'invalid_token', 'permission_denied', 'captcha', 'rate_limit', 'network_error', 'provider_unavailable', 'validation_error', 'ui_changed', 'duplicate', 'unknown'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default function ErrorsPage() {
  const [params, setParams] = useSearchParams();
  const errorType = (params.get('error_type') as ErrorType | null) ?? undefined;
  const postId = params.get('post_id') ?? '';
  const validPostId = UUID.test(postId) ? postId : undefined;
  const logs = useQuery({
    queryKey: ['errors', errorType, validPostId],
    queryFn: () => unwrap(api.GET('/api/error-logs', { params: { query: { error_type: errorType, post_id: validPostId, limit: 100 } } })),
  });
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const items = logs.data?.error_logs ?? [];

  return (
    <Stack>
      <Title order={2}>Errors</Title>
      <Group align="flex-end">
        <Select label="Error type" placeholder="Any type" clearable data={ERROR_TYPES} value={errorType ?? null} onChange={(value) => setParam('error_type', value)} w={220} />
        <TextInput
          label="Post id"
          placeholder="Any post"
          value={postId}
          onChange={(event) => setParam('post_id', event.currentTarget.value.trim() || null)}
          error={postId && !validPostId ? 'A post id looks like 8-4-4-4-12 hex digits' : undefined}
          w={340}
        />
      </Group>
      <QueryState
        what="errors"
        isPending={logs.isPending}
        error={logs.error}
        onRetry={() => void logs.refetch()}
        isEmpty={items.length === 0}
        empty={<Text c="dimmed">No errors{errorType || validPostId ? ' match these filters' : ''}. Good.</Text>}
      >
        <Text size="sm" c="dimmed">
          Newest first; showing {logs.data?.count}.
        </Text>
        <Accordion variant="separated" aria-label="Error log">
          {items.map((entry) => (
            <Accordion.Item key={entry.id} value={entry.id}>
              <Accordion.Control>
                <Group gap="xs" wrap="nowrap">
                  <ToneBadge tone={['red.9', 'white']}>{entry.error_type}</ToneBadge>
                  <Text size="sm" truncate>
                    {entry.post_title} · {CHANNEL_LABELS[entry.channel as Channel]} · {formatDateTime(entry.created_at)}
                  </Text>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <Stack gap="xs">
                  <Text size="sm">{entry.error_message ?? 'No message'}</Text>
                  <Anchor component={Link} to={`/posts/${entry.post}`} size="sm">
                    Open the post
                  </Anchor>
                  {entry.stack_trace && (
                    <ScrollRegion label="Stack trace" maxHeight={200}>
                      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                        {entry.stack_trace}
                      </Code>
                    </ScrollRegion>
                  )}
                  {entry.screenshot && <Screenshot url={entry.screenshot} alt={`Screenshot of the ${entry.error_type} failure`} />}
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      </QueryState>
    </Stack>
  );
}
