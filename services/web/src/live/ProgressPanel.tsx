import { Anchor, Button, CloseButton, Group, List, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useLive } from './LiveProvider.tsx';

/** The running job: bar, counts, the post being published and failures as they happen. */
export function ProgressPanel() {
  const { state, activeJob, dismissJob, connected } = useLive();
  if (!activeJob) return null;
  const job = state.jobs[activeJob.job_id]?.value;
  const done = job ? job.completed_posts + job.failed_posts : 0;
  const percent = job?.progress_percentage ?? 0;
  const failures = state.failures
    .map((id) => state.deliveries[id]?.value)
    .filter((delivery) => delivery !== undefined);

  return (
    <Paper
      withBorder
      shadow="md"
      p="md"
      role="region"
      aria-label="Posting progress"
      style={{ position: 'fixed', right: 16, bottom: 16, width: 'min(380px, calc(100vw - 32px))', zIndex: 300 }}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Title order={2} size="h5">
            {job?.final ? 'Posting finished' : 'Posting…'}
          </Title>
          <CloseButton aria-label="Close progress panel" onClick={dismissJob} />
        </Group>
        <Progress value={percent} size="lg" aria-label={`Posting progress ${percent}%`} color={job?.failed_posts ? 'orange' : 'blue'} />
        <Group justify="space-between">
          <Text size="sm" data-testid="progress-count">
            {job ? `${done} / ${job.total_posts}` : 'Waiting for the first update…'}
          </Text>
          <Text size="sm" fw={700} data-testid="progress-percent">
            {percent}%
          </Text>
        </Group>
        {job?.current_post_title && !job.final && (
          <Text size="sm" c="dimmed" truncate>
            Now: {job.current_post_title}
          </Text>
        )}
        {job && job.failed_posts > 0 && (
          <Text size="sm" c="red.9">
            {job.failed_posts} failed
          </Text>
        )}
        {failures.length > 0 && (
          <List size="sm" spacing={2}>
            {failures.slice(-5).map((failure) => (
              <List.Item key={failure.delivery_id}>
                <Anchor component={Link} to={`/posts/${failure.post_id}`}>
                  {failure.channel ?? 'delivery'}
                </Anchor>
                : {String(failure.error_message ?? failure.error ?? failure.error_type ?? 'failed')}
              </List.Item>
            ))}
          </List>
        )}
        {!connected && !job?.final && (
          <Text size="xs" c="dimmed">
            Live updates unavailable; refreshing every few seconds.
          </Text>
        )}
        {job?.final && (
          <Button size="xs" variant="light" onClick={dismissJob}>
            Close
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
