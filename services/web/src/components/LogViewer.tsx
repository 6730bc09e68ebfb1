import { Button, Code, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useClipboard } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client.ts';
import { formatDateTime } from '../lib/time.ts';
import { ScrollRegion } from './ScrollRegion.tsx';
import { QueryState } from './states.tsx';

type Level = 'ALL' | 'INFO' | 'WARNING' | 'ERROR';

/** A delivery's log lines, filtered by level, with copy and JSON download. */
export function LogViewer({ deliveryId }: { deliveryId: string }) {
  const [level, setLevel] = useState<Level>('ALL');
  const clipboard = useClipboard();
  const logs = useQuery({
    queryKey: ['logs', deliveryId, level],
    queryFn: () =>
      unwrap(api.GET('/api/deliveries/{id}/logs', { params: { path: { id: deliveryId }, query: { level: level === 'ALL' ? undefined : level, download: 0 } } })),
  });
  const lines = logs.data?.logs ?? [];
  const json = () => JSON.stringify({ logs: lines }, null, 2);

  const download = () => {
    const url = URL.createObjectURL(new Blob([json()], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `delivery-${deliveryId}-logs.json`;
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <SegmentedControl
          size="xs"
          aria-label="Log level"
          value={level}
          onChange={(value) => setLevel(value as Level)}
          data={['ALL', 'INFO', 'WARNING', 'ERROR']}
        />
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            disabled={lines.length === 0}
            onClick={() => {
              clipboard.copy(json());
              notifications.show({ message: 'Logs copied to the clipboard' });
            }}
          >
            Copy
          </Button>
          <Button size="xs" variant="default" disabled={lines.length === 0} onClick={download}>
            Download JSON
          </Button>
        </Group>
      </Group>
      <QueryState what="logs" isPending={logs.isPending} error={logs.error} isEmpty={lines.length === 0} empty={<Text size="sm" c="dimmed">No log lines{level === 'ALL' ? '' : ` at ${level}`}.</Text>}>
        <ScrollRegion label="Log lines" maxHeight={320}>
          <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {lines.map((line) => `${formatDateTime(line.timestamp)}  ${line.level.padEnd(7)}  ${line.message}`).join('\n')}
          </Code>
        </ScrollRegion>
      </QueryState>
    </Stack>
  );
}
