import { ActionIcon, Anchor, Badge, Button, Group, Modal, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import type { Post } from '../api/types.ts';
import { PostStatusBadge } from '../components/badges.tsx';
import { ScheduleModal } from '../components/ScheduleModal.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';
import { QueryState } from '../components/states.tsx';
import { browserTimeZone, dayInZone, formatDateTime, utcToWallClock, wallClockToUtc } from '../lib/time.ts';

type View = 'month' | 'week' | 'list';

interface Entry {
  post: Post;
  /** When it is (scheduled) or was (first posted) published. */
  at: string;
  movable: boolean;
}

const MAX_PAGES = 10;

/** Scheduled and published posts (up to 1,000 of each), with the time they belong on the calendar. */
async function fetchCalendarEntries(): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const status of ['scheduled', 'published', 'partial'] as const) {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await unwrap(api.GET('/api/posts', { params: { query: { status, limit: 100, cursor } } }));
      for (const post of result.items) {
        const posted = post.deliveries.map((delivery) => delivery.posted_at).filter((at): at is string => !!at).sort()[0];
        const at = status === 'scheduled' ? post.scheduled_at : posted;
        if (at) entries.push({ post, at, movable: status === 'scheduled' });
      }
      if (!result.next_cursor) break;
      cursor = result.next_cursor;
    }
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const weekday = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday first
const dayLabel = (day: string) => new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export default function CalendarPage() {
  const timeZone = browserTimeZone();
  const today = dayInZone(new Date().toISOString(), timeZone);
  const [view, setView] = useState<View>('month');
  const [anchor, setAnchor] = useState(today);
  const [move, setMove] = useState<{ entry: Entry; to: string } | null>(null);
  const [editing, setEditing] = useState<Entry | null>(null);
  const [canceling, setCanceling] = useState<Entry | null>(null);
  const queryClient = useQueryClient();
  const entries = useQuery({ queryKey: ['posts', 'calendar'], queryFn: fetchCalendarEntries });

  const byDay = useMemo(() => {
    const map = new Map<string, Entry[]>();
    for (const entry of entries.data ?? []) {
      const day = dayInZone(entry.at, timeZone);
      map.set(day, [...(map.get(day) ?? []), entry]);
    }
    return map;
  }, [entries.data, timeZone]);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['posts'] });
  const reschedule = useMutation({
    mutationFn: ({ postId, at }: { postId: string; at: string }) =>
      unwrap(api.POST('/api/posts/{id}/schedule', { params: { path: { id: postId } }, body: { scheduled_at: at } })),
    onSuccess: () => {
      setMove(null);
      setEditing(null);
      notifications.show({ color: 'green', message: 'Rescheduled' });
      refresh();
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Not rescheduled', message: error.message }),
  });
  const cancel = useMutation({
    mutationFn: (postId: string) => unwrap(api.DELETE('/api/posts/{id}/schedule', { params: { path: { id: postId } } })),
    onSuccess: () => {
      setCanceling(null);
      notifications.show({ color: 'green', message: 'Schedule canceled' });
      refresh();
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Not canceled', message: error.message }),
  });

  /** A drop on a day keeps the time of day; a drop on an hour of the week view keeps the minutes. */
  const onDrop = (day: string, hour?: number) => (event: DragEvent) => {
    event.preventDefault();
    const entry = entries.data?.find((item) => item.post.id === event.dataTransfer.getData('text/plain'));
    if (!entry?.movable) return;
    const [, time] = utcToWallClock(entry.at, timeZone).split('T') as [string, string];
    const wall = `${day}T${hour === undefined ? time : `${String(hour).padStart(2, '0')}:${time.slice(3)}`}`;
    const to = wallClockToUtc(wall, timeZone);
    if (to !== entry.at) setMove({ entry, to });
  };
  const dropTarget = (day: string, hour?: number) => ({
    onDragOver: (event: DragEvent) => event.preventDefault(),
    onDrop: onDrop(day, hour),
  });

  const item = (entry: Entry) => (
    <Group key={entry.post.id} gap={2} wrap="nowrap" data-testid="calendar-entry">
      <Badge
        component={Link}
        to={`/posts/${entry.post.id}`}
        variant="filled"
        color={entry.movable ? 'indigo.8' : 'green.9'}
        draggable={entry.movable}
        onDragStart={(event: DragEvent) => event.dataTransfer.setData('text/plain', entry.post.id)}
        styles={{ root: { cursor: entry.movable ? 'grab' : 'pointer', maxWidth: '100%', textTransform: 'none' } }}
        title={`${entry.post.title || entry.post.body.slice(0, 40)} · ${formatDateTime(entry.at)}`}
      >
        {utcToWallClock(entry.at, timeZone).slice(11)} {entry.post.title || entry.post.body.slice(0, 30)}
      </Badge>
      {entry.movable && (
        <Tooltip label="Reschedule">
          <ActionIcon size="xs" variant="subtle" aria-label={`Reschedule ${entry.post.title || entry.post.body.slice(0, 30)}`} onClick={() => setEditing(entry)}>
            ⋯
          </ActionIcon>
        </Tooltip>
      )}
    </Group>
  );

  const monthStart = `${anchor.slice(0, 7)}-01`;
  const gridStart = addDays(monthStart, -weekday(monthStart));
  const weekStart = addDays(anchor, -weekday(anchor));
  const step = (direction: number) =>
    setAnchor((day) => {
      if (view === 'week') return addDays(day, 7 * direction);
      const date = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
      date.setUTCMonth(date.getUTCMonth() + direction);
      return date.toISOString().slice(0, 10);
    });
  const heading =
    view === 'week'
      ? `${dayLabel(weekStart)} – ${dayLabel(addDays(weekStart, 6))}`
      : new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${monthStart}T00:00:00Z`));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Calendar</Title>
        <SegmentedControl aria-label="Calendar view" value={view} onChange={(value) => setView(value as View)} data={[{ value: 'month', label: 'Month' }, { value: 'week', label: 'Week' }, { value: 'list', label: 'List' }]} />
      </Group>
      <Text size="sm" c="dimmed">
        Times in {timeZone}. Drag a scheduled post to another day{view === 'week' ? ' or hour' : ''} to reschedule it, or use its ⋯ button.
      </Text>
      {view !== 'list' && (
        <Group>
          <Button variant="default" size="xs" onClick={() => step(-1)} aria-label={`Previous ${view}`}>
            ←
          </Button>
          <Text fw={600} aria-live="polite">{heading}</Text>
          <Button variant="default" size="xs" onClick={() => step(1)} aria-label={`Next ${view}`}>
            →
          </Button>
          <Button variant="subtle" size="xs" onClick={() => setAnchor(today)}>
            Today
          </Button>
        </Group>
      )}
      <QueryState what="the calendar" isPending={entries.isPending} error={entries.error} onRetry={() => void entries.refetch()}>
        {view === 'month' && (
          <ScrollRegion label="Month (scrollable)">
            <SimpleGrid cols={7} spacing={2} miw={640}>
              {WEEKDAYS.map((name) => (
                <Text key={name} size="xs" fw={700} ta="center" aria-hidden>
                  {name}
                </Text>
              ))}
              {Array.from({ length: 42 }, (_, i) => addDays(gridStart, i)).map((day) => (
                <Paper key={day} withBorder p={4} mih={90} role="group" aria-label={dayLabel(day)} data-day={day} bg={day === today ? 'blue.0' : day.slice(0, 7) === anchor.slice(0, 7) ? undefined : 'gray.0'} {...dropTarget(day)}>
                  <Text size="xs" c={day.slice(0, 7) === anchor.slice(0, 7) ? undefined : 'dimmed'}>
                    {Number(day.slice(8))}
                  </Text>
                  <Stack gap={2}>{(byDay.get(day) ?? []).map(item)}</Stack>
                </Paper>
              ))}
            </SimpleGrid>
          </ScrollRegion>
        )}
        {view === 'week' && (
          <ScrollRegion label="Week (scrollable)">
            <Table withColumnBorders miw={760} aria-label={heading} layout="fixed">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={56}>Hour</Table.Th>
                  {Array.from({ length: 7 }, (_, i) => addDays(weekStart, i)).map((day) => (
                    <Table.Th key={day}>{dayLabel(day)}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {Array.from({ length: 24 }, (_, hour) => (
                  <Table.Tr key={hour}>
                    <Table.Td>
                      <Text size="xs">{String(hour).padStart(2, '0')}:00</Text>
                    </Table.Td>
                    {Array.from({ length: 7 }, (_, i) => addDays(weekStart, i)).map((day) => (
                      <Table.Td key={day} data-day={day} data-hour={hour} p={2} {...dropTarget(day, hour)}>
                        <Stack gap={2}>
                          {(byDay.get(day) ?? []).filter((entry) => Number(utcToWallClock(entry.at, timeZone).slice(11, 13)) === hour).map(item)}
                        </Stack>
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollRegion>
        )}
        {view === 'list' && (
          <QueryState what="posts" isPending={false} error={null} isEmpty={(entries.data ?? []).length === 0} empty={<Text c="dimmed">No scheduled or published posts.</Text>}>
            <ScrollRegion label="Scheduled and published posts (scrollable)" minWidth={560}>
              <Table aria-label="Scheduled and published posts">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Post</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(entries.data ?? []).map((entry) => (
                    <Table.Tr key={`${entry.post.id}-${entry.at}`}>
                      <Table.Td>{formatDateTime(entry.at, timeZone)}</Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/posts/${entry.post.id}`}>
                          {entry.post.title || entry.post.body.slice(0, 60)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <PostStatusBadge status={entry.post.status} />
                      </Table.Td>
                      <Table.Td>
                        {entry.movable && (
                          <Group gap="xs">
                            <Button size="xs" variant="default" onClick={() => setEditing(entry)}>
                              Reschedule
                            </Button>
                            <Button size="xs" variant="default" color="red" onClick={() => setCanceling(entry)}>
                              Cancel
                            </Button>
                          </Group>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollRegion>
          </QueryState>
        )}
      </QueryState>

      <Modal opened={move !== null} onClose={() => setMove(null)} title="Reschedule this post?">
        {move && (
          <Stack>
            <Text>
              Move “{move.entry.post.title || move.entry.post.body.slice(0, 40)}” from {formatDateTime(move.entry.at, timeZone)} to{' '}
              <b>{formatDateTime(move.to, timeZone)}</b>?
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setMove(null)}>
                Keep the old time
              </Button>
              <Button loading={reschedule.isPending} onClick={() => reschedule.mutate({ postId: move.entry.post.id, at: move.to })}>
                Reschedule
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
      {editing && (
        <ScheduleModal
          opened
          initial={editing.at}
          onClose={() => setEditing(null)}
          onConfirm={(at) => reschedule.mutate({ postId: editing.post.id, at })}
          pending={reschedule.isPending}
          error={reschedule.error?.message}
        />
      )}
      <Modal opened={canceling !== null} onClose={() => setCanceling(null)} title="Cancel this schedule?">
        <Stack>
          <Text>Nothing of this post will be published. You can schedule it again later.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setCanceling(null)}>
              Back
            </Button>
            <Button color="red" loading={cancel.isPending} onClick={() => canceling && cancel.mutate(canceling.post.id)}>
              Cancel schedule
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
