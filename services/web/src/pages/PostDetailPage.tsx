import { Accordion, Anchor, Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import type { Delivery } from '../api/types.ts';
import { DeliveryStatusBadge, PostStatusBadge } from '../components/badges.tsx';
import { LogViewer } from '../components/LogViewer.tsx';
import { ScheduleModal } from '../components/ScheduleModal.tsx';
import { Screenshot } from '../components/Screenshot.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';
import { QueryState } from '../components/states.tsx';
import { useLive } from '../live/LiveProvider.tsx';
import { CHANNEL_LABELS, type Channel } from '../lib/channel-rules.ts';
import { formatDateTime } from '../lib/time.ts';

const LIVE_STATUSES = new Set(['scheduled', 'queued', 'processing', 'retrying']);

function Attempts({ delivery }: { delivery: Delivery }) {
  const detail = useQuery({
    queryKey: ['delivery', delivery.id, delivery.attempt_count, delivery.status],
    queryFn: () => unwrap(api.GET('/api/deliveries/{id}', { params: { path: { id: delivery.id } } })),
  });
  const attempts = detail.data?.attempts ?? [];
  return (
    <QueryState what="attempts" isPending={detail.isPending} error={detail.error} isEmpty={attempts.length === 0} empty={<Text size="sm" c="dimmed">No attempt yet.</Text>}>
      <Stack gap="sm">
        {attempts.map((attempt) => (
          <Card key={attempt.attempt_no} withBorder padding="sm">
            <Stack gap={4}>
              <Group gap="xs">
                <Text fw={600} size="sm">
                  Attempt {attempt.attempt_no}
                </Text>
                <Badge variant="outline" color="dark" size="sm">
                  {attempt.outcome}
                </Badge>
                <Text size="xs" c="dimmed">
                  {formatDateTime(attempt.started_at)}
                </Text>
              </Group>
              {attempt.error_type && (
                <Text size="sm">
                  <b>{attempt.error_type}</b>
                  {attempt.error_code ? ` (${attempt.error_code})` : ''}: {attempt.error_message}
                </Text>
              )}
              {attempt.screenshot_url && <Screenshot url={attempt.screenshot_url} alt={`Screenshot of attempt ${attempt.attempt_no}`} />}
            </Stack>
          </Card>
        ))}
      </Stack>
    </QueryState>
  );
}

export default function PostDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { watchJob } = useLive();
  const [scheduling, setScheduling] = useState(false);
  const [confirm, setConfirm] = useState<'delete' | 'cancel' | null>(null);
  const post = useQuery({
    queryKey: ['post', id],
    queryFn: () => unwrap(api.GET('/api/posts/{id}', { params: { path: { id } } })),
    // Live events refresh it too; polling covers a notifier that is down or far away.
    refetchInterval: (query) => (query.state.data?.deliveries.some((delivery) => LIVE_STATUSES.has(delivery.status)) ? 3_000 : false),
  });
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/api/accounts')) });
  const accountName = (accountId: string) => accounts.data?.items.find((account) => account.id === accountId)?.name ?? 'account';

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['post', id] });
    void queryClient.invalidateQueries({ queryKey: ['posts'] });
  };
  const onError = (error: Error) => notifications.show({ color: 'red', title: 'Not done', message: error.message });
  const path = { params: { path: { id } } };

  const publishNow = useMutation({
    mutationFn: () => unwrap(api.POST('/api/posts/{id}/publish-now', path)),
    onSuccess: (result) => {
      notifications.show({ color: 'green', message: 'Publishing now' });
      watchJob({ job_id: result.job_id });
      refresh();
    },
    onError,
  });
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST('/api/posts/{id}/retry', path)),
    onSuccess: (result) => {
      notifications.show({ color: 'green', message: 'Retrying the failed deliveries' });
      watchJob({ job_id: result.job_id });
      refresh();
    },
    onError,
  });
  const schedule = useMutation({
    mutationFn: (scheduledAt: string) => unwrap(api.POST('/api/posts/{id}/schedule', { ...path, body: { scheduled_at: scheduledAt } })),
    onSuccess: () => {
      setScheduling(false);
      notifications.show({ color: 'green', message: 'Scheduled' });
      refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/posts/{id}/schedule', path)),
    onSuccess: () => {
      setConfirm(null);
      notifications.show({ color: 'green', message: 'Schedule canceled' });
      refresh();
    },
    onError,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/posts/{id}', path)),
    onSuccess: () => {
      notifications.show({ color: 'green', message: 'Post deleted' });
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      void navigate('/posts');
    },
    onError,
  });

  const data = post.data;
  const hasFailed = data?.deliveries.some((delivery) => delivery.status === 'failed');
  return (
    <Stack>
      <Anchor component={Link} to="/posts" size="sm">
        ← All posts
      </Anchor>
      <QueryState what="the post" isPending={post.isPending} error={post.error} onRetry={() => void post.refetch()}>
        {data && (
          <Stack>
            <Group justify="space-between" align="flex-start">
              <Stack gap={4}>
                <Title order={2}>{data.title || data.body.slice(0, 80)}</Title>
                <Group gap="xs">
                  <PostStatusBadge status={data.status} />
                  <Text size="sm" c="dimmed">
                    {data.scheduled_at ? `Scheduled for ${formatDateTime(data.scheduled_at)}` : `Created ${formatDateTime(data.created_at)}`}
                  </Text>
                </Group>
              </Stack>
              <Group gap="xs">
                {(data.status === 'pending' || data.status === 'scheduled') && (
                  <Button size="xs" onClick={() => publishNow.mutate()} loading={publishNow.isPending}>
                    Publish now
                  </Button>
                )}
                {(data.status === 'pending' || data.status === 'scheduled') && (
                  <Button size="xs" variant="default" onClick={() => setScheduling(true)}>
                    {data.status === 'scheduled' ? 'Reschedule' : 'Schedule'}
                  </Button>
                )}
                {data.status === 'scheduled' && (
                  <Button size="xs" variant="default" onClick={() => setConfirm('cancel')}>
                    Cancel schedule
                  </Button>
                )}
                {hasFailed && (
                  <Button size="xs" variant="default" onClick={() => retry.mutate()} loading={retry.isPending}>
                    Retry failed
                  </Button>
                )}
                <Button size="xs" color="red" variant="outline" onClick={() => setConfirm('delete')}>
                  Delete
                </Button>
              </Group>
            </Group>

            <Card withBorder>
              <Stack gap="xs">
                <Text style={{ whiteSpace: 'pre-wrap' }}>{data.body}</Text>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  {data.price !== null && <Text size="sm">Price: {data.price} {data.currency}</Text>}
                  {data.category && <Text size="sm">Category: {data.category}</Text>}
                  {data.condition && <Text size="sm">Condition: {data.condition}</Text>}
                  {data.location && <Text size="sm">Location: {data.location}</Text>}
                  {data.link && <Text size="sm">Link: <Anchor href={data.link} target="_blank" rel="noopener">{data.link}</Anchor></Text>}
                  <Text size="sm">Media: {data.media_ids.length + (data.video_media_id ? 1 : 0)}</Text>
                </SimpleGrid>
              </Stack>
            </Card>

            <Title order={3} size="h4">
              Deliveries
            </Title>
            <ScrollRegion label="Deliveries (scrollable)" minWidth={560}>
              <Table aria-label="Deliveries">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Channel</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                    <Table.Th>Result</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.deliveries.map((delivery) => (
                    <Table.Tr key={delivery.id}>
                      <Table.Td>
                        {CHANNEL_LABELS[delivery.channel as Channel]}
                        {delivery.target_id ? ` ${delivery.target_id}` : ''}
                      </Table.Td>
                      <Table.Td>{accountName(delivery.account_id)}</Table.Td>
                      <Table.Td>
                        <DeliveryStatusBadge status={delivery.status} />
                      </Table.Td>
                      <Table.Td>{delivery.attempt_count}</Table.Td>
                      <Table.Td>
                        {delivery.permalink ? (
                          <Anchor href={delivery.permalink} target="_blank" rel="noopener">
                            View post
                          </Anchor>
                        ) : delivery.last_error_type ? (
                          <Text size="sm" c="red.9">
                            {delivery.last_error_type}: {delivery.last_error_message}
                          </Text>
                        ) : delivery.next_attempt_at ? (
                          <Text size="sm">Next attempt {formatDateTime(delivery.next_attempt_at)}</Text>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollRegion>

            <Accordion variant="separated" multiple>
              {data.deliveries.map((delivery) => (
                <Accordion.Item key={delivery.id} value={delivery.id}>
                  <Accordion.Control>
                    Attempts and logs: {CHANNEL_LABELS[delivery.channel as Channel]} ({accountName(delivery.account_id)})
                  </Accordion.Control>
                  <Accordion.Panel>
                    <Stack>
                      <Attempts delivery={delivery} />
                      <Title order={4} size="h5">
                        Logs
                      </Title>
                      <LogViewer deliveryId={delivery.id} />
                    </Stack>
                  </Accordion.Panel>
                </Accordion.Item>
              ))}
            </Accordion>

            {scheduling && (
              <ScheduleModal
                opened
                initial={data.scheduled_at}
                onClose={() => setScheduling(false)}
                onConfirm={(utc) => schedule.mutate(utc)}
                pending={schedule.isPending}
                error={schedule.error?.message}
              />
            )}
            <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={confirm === 'delete' ? 'Delete this post?' : 'Cancel the schedule?'}>
              <Stack>
                <Text>
                  {confirm === 'delete'
                    ? 'Deliveries that have not started are canceled. Published ones stay on their channels.'
                    : 'Deliveries not yet processing become canceled and nothing is published.'}
                </Text>
                <Group justify="flex-end">
                  <Button variant="default" onClick={() => setConfirm(null)}>
                    Back
                  </Button>
                  <Button color="red" loading={cancel.isPending || remove.isPending} onClick={() => (confirm === 'delete' ? remove.mutate() : cancel.mutate())}>
                    {confirm === 'delete' ? 'Delete' : 'Cancel schedule'}
                  </Button>
                </Group>
              </Stack>
            </Modal>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
