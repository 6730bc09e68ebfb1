/** Status and enum values from the public contract. The database enforces them with CHECKs. */
export const userRoles = ['admin', 'user'] as const;
export const accountKinds = ['facebook_browser', 'facebook_page', 'instagram_business'] as const;
export const channels = ['marketplace', 'facebook_group', 'facebook_page', 'instagram'] as const;
export const deliveryStatuses = [
  'pending',
  'scheduled',
  'queued',
  'processing',
  'posted',
  'retrying',
  'failed',
  'canceled',
] as const;
export const postStatuses = ['pending', 'scheduled', 'processing', 'published', 'partial', 'failed', 'canceled'] as const;
export const jobStatuses = ['queued', 'running', 'completed', 'failed'] as const;
export const attemptOutcomes = ['running', 'posted', 'retrying', 'failed', 'canceled', 'abandoned', 'deferred'] as const;
export const logLevels = ['INFO', 'WARNING', 'ERROR'] as const;
/** What a webhook may subscribe to. */
export const webhookEventTypes = ['delivery.posted', 'delivery.failed', 'job.completed', 'account.health'] as const;
/** The contract's error types are the publisher seam's; the database enforces the same list. */
export { errorTypes, type ErrorType } from '@autoposter/publisher';

export type UserRole = (typeof userRoles)[number];
export type AccountKind = (typeof accountKinds)[number];
export type Channel = (typeof channels)[number];
export type DeliveryStatus = (typeof deliveryStatuses)[number];
export type PostStatus = (typeof postStatuses)[number];
export type JobStatus = (typeof jobStatuses)[number];
export type AttemptOutcome = (typeof attemptOutcomes)[number];
export type LogLevel = (typeof logLevels)[number];
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Which account kind may publish to which channel. */
export const accountKindForChannel: Record<Channel, AccountKind> = {
  marketplace: 'facebook_browser',
  facebook_group: 'facebook_browser',
  facebook_page: 'facebook_page',
  instagram: 'instagram_business',
};

/** Deliveries in these states still have work ahead of them. */
export const liveDeliveryStatuses = ['scheduled', 'queued', 'processing', 'retrying'] as const satisfies readonly DeliveryStatus[];
export const finalDeliveryStatuses = ['posted', 'failed', 'canceled'] as const satisfies readonly DeliveryStatus[];

/** Deliveries that have not started processing: canceling them means nothing is published. */
export const cancelableDeliveryStatuses = ['pending', 'scheduled', 'queued', 'retrying'] as const satisfies readonly DeliveryStatus[];
