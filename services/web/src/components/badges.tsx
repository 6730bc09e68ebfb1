import { Badge, Group, Tooltip } from '@mantine/core';
import type { Delivery, DeliveryStatus, PostStatus } from '../api/types.ts';
import { CHANNEL_LABELS, type Channel } from '../lib/channel-rules.ts';

// Dark shades: the badge text must keep WCAG AA contrast on the light fill.
const POST_COLORS: Record<PostStatus, string> = {
  pending: 'gray',
  scheduled: 'indigo',
  processing: 'blue',
  published: 'green',
  partial: 'orange',
  failed: 'red',
  canceled: 'dark',
};

const DELIVERY_COLORS: Record<DeliveryStatus, string> = {
  pending: 'gray',
  scheduled: 'indigo',
  queued: 'cyan',
  processing: 'blue',
  posted: 'green',
  retrying: 'yellow',
  failed: 'red',
  canceled: 'dark',
};

export function PostStatusBadge({ status }: { status: PostStatus }) {
  return (
    <Badge color={POST_COLORS[status]} variant="light" styles={{ label: { color: `var(--mantine-color-${POST_COLORS[status]}-9)` } }}>
      {status}
    </Badge>
  );
}

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return (
    <Badge color={DELIVERY_COLORS[status]} variant="light" styles={{ label: { color: `var(--mantine-color-${DELIVERY_COLORS[status]}-9)` } }}>
      {status}
    </Badge>
  );
}

/** One small badge per target: its channel, coloured by its delivery's status. */
export function TargetBadges({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <Group gap={4}>
      {deliveries.map((delivery) => (
        <Tooltip key={delivery.id} label={`${CHANNEL_LABELS[delivery.channel as Channel]}: ${delivery.status}`}>
          <Badge
            size="sm"
            variant="outline"
            color={DELIVERY_COLORS[delivery.status]}
            styles={{ label: { color: `var(--mantine-color-${DELIVERY_COLORS[delivery.status]}-9)` } }}
            aria-label={`${CHANNEL_LABELS[delivery.channel as Channel]} ${delivery.status}`}
          >
            {CHANNEL_LABELS[delivery.channel as Channel]} · {delivery.status}
          </Badge>
        </Tooltip>
      ))}
    </Group>
  );
}
