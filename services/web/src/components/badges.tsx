import { Badge, Group, Tooltip } from '@mantine/core';
import type { Delivery, DeliveryStatus, PostStatus } from '../api/types.ts';
import { CHANNEL_LABELS, type Channel } from '../lib/channel-rules.ts';

/** A background shade and the text colour that keeps WCAG AA contrast on it. */
export type Tone = readonly [background: string, text: 'white' | 'black'];

const POST_TONES: Record<PostStatus, Tone> = {
  pending: ['gray.7', 'white'],
  scheduled: ['indigo.8', 'white'],
  processing: ['blue.8', 'white'],
  published: ['green.9', 'white'],
  partial: ['yellow.5', 'black'],
  failed: ['red.9', 'white'],
  canceled: ['dark.4', 'white'],
};

const DELIVERY_TONES: Record<DeliveryStatus, Tone> = {
  pending: ['gray.7', 'white'],
  scheduled: ['indigo.8', 'white'],
  queued: ['cyan.9', 'white'],
  processing: ['blue.8', 'white'],
  posted: ['green.9', 'white'],
  retrying: ['yellow.5', 'black'],
  failed: ['red.9', 'white'],
  canceled: ['dark.4', 'white'],
};

export function ToneBadge({ tone, children, size, label }: { tone: Tone; children: React.ReactNode; size?: 'xs' | 'sm' | 'md'; label?: string }) {
  return (
    <Badge color={tone[0]} c={tone[1]} variant="filled" size={size} aria-label={label} styles={{ root: { textTransform: 'none', flexShrink: 0 }, label: { overflow: 'visible' } }}>
      {children}
    </Badge>
  );
}

export const PostStatusBadge = ({ status }: { status: PostStatus }) => <ToneBadge tone={POST_TONES[status]}>{status}</ToneBadge>;

export const DeliveryStatusBadge = ({ status }: { status: DeliveryStatus }) => <ToneBadge tone={DELIVERY_TONES[status]}>{status}</ToneBadge>;

/** One small badge per target: its channel, coloured by its delivery's status. */
export function TargetBadges({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <Group gap={4}>
      {deliveries.map((delivery) => {
        const label = `${CHANNEL_LABELS[delivery.channel as Channel]}${delivery.target_id ? ` ${delivery.target_id}` : ''}: ${delivery.status}`;
        return (
          <Tooltip key={delivery.id} label={label}>
            <span>
              <ToneBadge tone={DELIVERY_TONES[delivery.status]} size="sm">
                {CHANNEL_LABELS[delivery.channel as Channel]} · {delivery.status}
              </ToneBadge>
            </span>
          </Tooltip>
        );
      })}
    </Group>
  );
}
