import { Anchor, Button, Checkbox, Group, Modal, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, unwrap } from '../api/client.ts';
import type { Post, PostStatus } from '../api/types.ts';
import { PostStatusBadge, TargetBadges } from '../components/badges.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';
import { QueryState } from '../components/states.tsx';
import { useLive } from '../live/LiveProvider.tsx';
import { CHANNEL_LABELS } from '../lib/channel-rules.ts';
import { formatDateTime } from '../lib/time.ts';
import { postsFilterFrom, postsQuery } from './posts-query.ts';

const STATUSES: PostStatus[] = ['pending', 'scheduled', 'processing', 'published', 'partial', 'failed', 'canceled'];

const toastError = (error: Error) => notifications.show({ color: 'red', title: 'Not done', message: error.message });
const toastDone = (message: string) => notifications.show({ color: 'green', message });

/** Runs one call per post and reports how many went through; the first refusal is shown as the API said it. */
async function eachPost(posts: Post[], call: (post: Post) => Promise<unknown>): Promise<{ done: number; failed: ApiError[] }> {
  const results = await Promise.allSettled(posts.map(call));
  const failed = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as ApiError] : []));
  return { done: results.length - failed.length, failed };
}

export default function PostsPage() {
  const [params, setParams] = useSearchParams();
  const filter = postsFilterFrom(params);
  const { status, channel, accountId } = filter;
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [selected, setSelected] = useState<Map<string, Post>>(new Map());
  const [confirmDelete, setConfirmDelete] = useState(false);
  const queryClient = useQueryClient();
  const { watchJob } = useLive();

  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/api/accounts')) });
  const posts = useQuery({
    ...postsQuery(filter, cursor),
    refetchInterval: (query) => (query.state.data?.items.some((post) => post.status === 'processing') ? 3_000 : false),
  });

  const setFilter = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
    setCursors([]);
    setSelected(new Map());
  };

  const selection = [...selected.values()];
  const pending = selection.filter((post) => post.status === 'pending');
  const failed = selection.filter((post) => post.status === 'failed' || post.status === 'partial');
  const scheduled = selection.filter((post) => post.status === 'scheduled');
  const afterBulk = () => {
    setSelected(new Map());
    void queryClient.invalidateQueries({ queryKey: ['posts'] });
  };

  const startPosting = useMutation({
    mutationFn: () => unwrap(api.POST('/api/posts/start-posting', { body: { post_ids: pending.map((post) => post.id) } })),
    onSuccess: (result) => {
      toastDone(result.message);
      watchJob({ job_id: result.job_id, ws_url: result.ws_url });
      afterBulk();
    },
    onError: toastError,
  });
  const retryFailed = useMutation({
    mutationFn: () => unwrap(api.POST('/api/posts/retry-failed', { body: { post_ids: failed.map((post) => post.id) } })),
    onSuccess: (result) => {
      toastDone(`Retrying the failed deliveries of ${failed.length} post(s)`);
      if ('job_id' in result && typeof result.job_id === 'string') watchJob({ job_id: result.job_id });
      afterBulk();
    },
    onError: toastError,
  });
  const cancelSchedule = useMutation({
    mutationFn: () => eachPost(scheduled, (post) => unwrap(api.DELETE('/api/posts/{id}/schedule', { params: { path: { id: post.id } } }))),
    onSuccess: ({ done, failed: refused }) => {
      if (done) toastDone(`Canceled the schedule of ${done} post(s)`);
      if (refused[0]) toastError(refused[0]);
      afterBulk();
    },
    onError: toastError,
  });
  const deletePosts = useMutation({
    mutationFn: () => eachPost(selection, (post) => unwrap(api.DELETE('/api/posts/{id}', { params: { path: { id: post.id } } }))),
    onSuccess: ({ done, failed: refused }) => {
      setConfirmDelete(false);
      if (done) toastDone(`Deleted ${done} post(s)`);
      if (refused[0]) toastError(refused[0]);
      afterBulk();
    },
    onError: toastError,
  });

  const items = posts.data?.items ?? [];
  const allOnPage = items.length > 0 && items.every((post) => selected.has(post.id));
  const toggle = (post: Post) =>
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(post.id)) next.delete(post.id);
      else next.set(post.id, post);
      return next;
    });
  const togglePage = () =>
    setSelected((current) => {
      const next = new Map(current);
      for (const post of items) {
        if (allOnPage) next.delete(post.id);
        else next.set(post.id, post);
      }
      return next;
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Posts</Title>
        <Button component={Link} to="/posts/new">
          New post
        </Button>
      </Group>

      <Group align="flex-end" gap="sm">
        <Select label="Status" placeholder="Any status" clearable data={STATUSES} value={status ?? null} onChange={(value) => setFilter('status', value)} w={160} />
        <Select
          label="Channel"
          placeholder="Any channel"
          clearable
          data={Object.entries(CHANNEL_LABELS).map(([value, label]) => ({ value, label }))}
          value={channel ?? null}
          onChange={(value) => setFilter('channel', value)}
          w={170}
        />
        <Select
          label="Account"
          placeholder="Any account"
          clearable
          data={(accounts.data?.items ?? []).map((account) => ({ value: account.id, label: account.name }))}
          value={accountId ?? null}
          onChange={(value) => setFilter('account_id', value)}
          w={200}
        />
      </Group>

      {selection.length > 0 && (
        <Paper withBorder p="sm" role="toolbar" aria-label="Bulk actions">
          <Group gap="xs">
            <Text size="sm" fw={600}>
              {selection.length} selected
            </Text>
            <Button size="xs" disabled={pending.length === 0} loading={startPosting.isPending} onClick={() => startPosting.mutate()}>
              Start posting ({pending.length})
            </Button>
            <Button size="xs" variant="default" disabled={failed.length === 0} loading={retryFailed.isPending} onClick={() => retryFailed.mutate()}>
              Retry failed ({failed.length})
            </Button>
            <Button size="xs" variant="default" disabled={scheduled.length === 0} loading={cancelSchedule.isPending} onClick={() => cancelSchedule.mutate()}>
              Cancel schedule ({scheduled.length})
            </Button>
            <Button size="xs" color="red" variant="outline" onClick={() => setConfirmDelete(true)}>
              Delete ({selection.length})
            </Button>
          </Group>
        </Paper>
      )}

      <QueryState
        what="posts"
        isPending={posts.isPending}
        error={posts.error}
        onRetry={() => void posts.refetch()}
        isEmpty={items.length === 0 && cursors.length === 0}
        empty={
          <>
            <Text>No posts{status || channel || accountId ? ' match these filters' : ' yet'}.</Text>
            <Button component={Link} to="/posts/new" variant="light">
              Write your first post
            </Button>
          </>
        }
      >
        <ScrollRegion label="Posts (scrollable)" minWidth={720}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-label="Posts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  <Checkbox aria-label="Select every post on this page" checked={allOnPage} onChange={togglePage} />
                </Table.Th>
                <Table.Th>Post</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Targets</Table.Th>
                <Table.Th>When</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((post) => {
                const label = post.title || post.body.slice(0, 60);
                return (
                  <Table.Tr key={post.id} data-testid="post-row">
                    <Table.Td>
                      <Checkbox aria-label={`Select ${label}`} checked={selected.has(post.id)} onChange={() => toggle(post)} />
                    </Table.Td>
                    <Table.Td maw={280}>
                      <Anchor component={Link} to={`/posts/${post.id}`} lineClamp={2}>
                        {label}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <PostStatusBadge status={post.status} />
                    </Table.Td>
                    <Table.Td>
                      <TargetBadges deliveries={post.deliveries} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(post.scheduled_at ?? post.created_at)}</Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </ScrollRegion>
        <Group justify="space-between">
          <Button variant="default" disabled={cursors.length === 0} onClick={() => setCursors((list) => list.slice(0, -1))}>
            Previous page
          </Button>
          <Button
            variant="default"
            disabled={!posts.data?.next_cursor}
            onClick={() => posts.data?.next_cursor && setCursors((list) => [...list, posts.data.next_cursor!])}
          >
            Next page
          </Button>
        </Group>
      </QueryState>

      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title="Delete posts?">
        <Stack>
          <Text>
            Delete {selection.length} post(s)? Scheduled deliveries are canceled; posts already published stay on the channels.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Keep them
            </Button>
            <Button color="red" loading={deletePosts.isPending} onClick={() => deletePosts.mutate()}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
