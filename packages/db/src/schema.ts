import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  accountKinds,
  attemptOutcomes,
  channels,
  deliveryStatuses,
  errorTypes,
  jobStatuses,
  logLevels,
  postStatuses,
  userRoles,
  webhookEventTypes,
} from './statuses.ts';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => tstz('created_at').notNull().defaultNow();
const inList = (column: string, values: readonly string[]) =>
  `${column} in (${values.map((v) => `'${v}'`).join(', ')})`;
const oneOf = (column: string, values: readonly string[]) => sql.raw(inList(column, values));
const nullOrOneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} is null or ${inList(column, values)}`);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role').notNull().default('user'),
    /** Tokens carry the generation they were signed in; raising it revokes every earlier token. */
    tokenGeneration: integer('token_generation').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`), check('users_role_check', oneOf('role', userRoles))],
);

/** Per-account pacing overrides; a missing key means "use the configured default". */
export interface AccountLimitsOverride {
  daily_cap?: number;
  min_gap_seconds?: number;
  posting_hours?: { from: string; to: string } | null;
  timezone?: string;
}

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    credentialsEncrypted: text('credentials_encrypted').notNull(),
    sessionUpdatedAt: tstz('session_updated_at').notNull().defaultNow(),
    /** null: never checked; false: known invalid. */
    sessionValid: boolean('session_valid'),
    sessionCheckedAt: tstz('session_checked_at'),
    sessionMessage: text('session_message'),
    /** The last check failed for a reason that may pass (network, provider down). */
    sessionCheckTemporaryFailure: boolean('session_check_temporary_failure').notNull().default(false),
    limits: jsonb('limits').$type<AccountLimitsOverride>().notNull().default({}),
    cooldownUntil: tstz('cooldown_until'),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    index('accounts_user_idx').on(t.userId, t.createdAt).where(sql`deleted_at is null`),
    check('accounts_kind_check', oneOf('kind', accountKinds)),
  ],
);

export interface JpegRendition {
  storage_key: string;
  size_bytes: number;
  width: number;
  height: number;
}

export const media = pgTable(
  'media',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    mime: text('mime').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    width: integer('width'),
    height: integer('height'),
    storageKey: text('storage_key').notNull(),
    originalName: text('original_name'),
    /** Alternative text of an image (Instagram's `alt_text`). */
    altText: text('alt_text'),
    /** The JPEG made for providers that take JPEG only, at most 1440 px wide (Instagram); null when the original fits. */
    jpegRendition: jsonb('jpeg_rendition').$type<JpegRendition>(),
    createdAt: createdAt(),
  },
  (t) => [index('media_user_idx').on(t.userId, t.createdAt), check('media_alt_text_length', sql`char_length(${t.altText}) <= 1000`)],
);

export const posts = pgTable(
  'posts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    title: text('title'),
    body: text('body').notNull(),
    price: numeric('price', { precision: 14, scale: 2 }),
    currency: text('currency'),
    category: text('category'),
    condition: text('condition'),
    location: text('location'),
    link: text('link'),
    mediaIds: uuid('media_ids').array().notNull().default(sql`'{}'::uuid[]`),
    videoMediaId: uuid('video_media_id'),
    scheduledAt: tstz('scheduled_at'),
    /** Derived from the deliveries by the posts_derive_status trigger; never written by the app. */
    status: text('status').notNull().default('pending'),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    deletedAt: tstz('deleted_at'),
  },
  (t) => [
    index('posts_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()).where(sql`deleted_at is null`),
    index('posts_user_status_created_idx')
      .on(t.userId, t.status, t.createdAt.desc(), t.id.desc())
      .where(sql`deleted_at is null`),
    check('posts_status_check', oneOf('status', postStatuses)),
  ],
);

export const postingJobs = pgTable(
  'posting_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** What started it: start_posting, publish_now, schedule, retry, dispatch. */
    trigger: text('trigger').notNull(),
    status: text('status').notNull().default('queued'),
    totalPosts: integer('total_posts').notNull().default(0),
    completedPosts: integer('completed_posts').notNull().default(0),
    failedPosts: integer('failed_posts').notNull().default(0),
    currentPostId: uuid('current_post_id'),
    currentPostTitle: text('current_post_title'),
    startedAt: tstz('started_at'),
    completedAt: tstz('completed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('posting_jobs_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
    index('posting_jobs_finished_idx').on(t.completedAt).where(sql`completed_at is not null`),
    check('posting_jobs_status_check', oneOf('status', jobStatuses)),
  ],
);

/** One row per post in a posting job: counts its deliveries so the job's post counts update atomically. */
export const postingJobPosts = pgTable(
  'posting_job_posts',
  {
    jobId: uuid('job_id').notNull().references(() => postingJobs.id, { onDelete: 'cascade' }),
    postId: uuid('post_id').notNull().references(() => posts.id, { onDelete: 'cascade' }),
    totalDeliveries: integer('total_deliveries').notNull(),
    finishedDeliveries: integer('finished_deliveries').notNull().default(0),
    failedDeliveries: integer('failed_deliveries').notNull().default(0),
    canceledDeliveries: integer('canceled_deliveries').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.postId] }), index('posting_job_posts_post_idx').on(t.postId)],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    postId: uuid('post_id').notNull().references(() => posts.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    accountId: uuid('account_id').notNull().references(() => accounts.id),
    targetId: text('target_id'),
    status: text('status').notNull().default('pending'),
    /** When the delivery should next run: its scheduled time, its retry time, or the time it was started. */
    dueAt: tstz('due_at'),
    /** Bumped by every new run (manual retry, reschedule); part of the BullMQ job id. */
    run: integer('run').notNull().default(0),
    postingJobId: uuid('posting_job_id').references(() => postingJobs.id, { onDelete: 'set null' }),
    attemptCount: integer('attempt_count').notNull().default(0),
    /** attempt_count when the current run began: a manual retry gets a fresh attempt budget. */
    attemptsBeforeRun: integer('attempts_before_run').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at'),
    /** Fencing token of the worker that holds it while processing. */
    claimToken: text('claim_token'),
    claimedAt: tstz('claimed_at'),
    /** The holder's lease: renewed by its heartbeat; another worker may take over only after it. */
    claimExpiresAt: tstz('claim_expires_at'),
    /** Canceled while a worker held it: when that attempt ends without posting, the delivery is canceled, not retried. */
    cancelRequestedAt: tstz('cancel_requested_at'),
    lastErrorType: text('last_error_type'),
    lastErrorCode: text('last_error_code'),
    lastErrorMessage: text('last_error_message'),
    providerPostId: text('provider_post_id'),
    permalink: text('permalink'),
    postedAt: tstz('posted_at'),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('deliveries_post_idx').on(t.postId),
    index('deliveries_due_idx')
      .on(t.dueAt)
      .where(sql`status in ('scheduled', 'queued', 'retrying', 'processing')`),
    index('deliveries_account_idx').on(t.accountId, t.status),
    index('deliveries_job_idx').on(t.postingJobId),
    index('deliveries_user_channel_idx').on(t.userId, t.channel, t.postId),
    check('deliveries_status_check', oneOf('status', deliveryStatuses)),
    check('deliveries_channel_check', oneOf('channel', channels)),
    check('deliveries_error_type_check', nullOrOneOf('last_error_type', errorTypes)),
  ],
);

export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id').notNull().references(() => deliveries.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    attemptNo: integer('attempt_no').notNull(),
    workerId: text('worker_id'),
    startedAt: tstz('started_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
    outcome: text('outcome').notNull().default('running'),
    errorType: text('error_type'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    stackTrace: text('stack_trace'),
    screenshotArtifactId: uuid('screenshot_artifact_id'),
    /** The failing page's HTML (secrets scrubbed), beside its screenshot (browser publishers). */
    pageHtmlArtifactId: uuid('page_html_artifact_id'),
    providerPostId: text('provider_post_id'),
    /** The attempt ended (or died) after the provider may have accepted the post: look before publishing again. */
    outcomeUnknown: boolean('outcome_unknown').notNull().default(false),
    /** What the publisher stored mid-flight (an unpublished post id, an IG container id) to resume safely. */
    providerState: jsonb('provider_state').$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('delivery_attempts_delivery_no_key').on(t.deliveryId, t.attemptNo),
    index('delivery_attempts_errors_idx').on(t.userId, t.startedAt.desc()).where(sql`error_type is not null`),
    index('delivery_attempts_started_idx').on(t.startedAt),
    check('delivery_attempts_outcome_check', oneOf('outcome', attemptOutcomes)),
    check('delivery_attempts_error_type_check', nullOrOneOf('error_type', errorTypes)),
  ],
);

export const deliveryLogs = pgTable(
  'delivery_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id').notNull().references(() => deliveries.id, { onDelete: 'cascade' }),
    attemptNo: integer('attempt_no'),
    level: text('level').notNull(),
    message: text('message').notNull(),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('delivery_logs_delivery_idx').on(t.deliveryId, t.id),
    index('delivery_logs_created_idx').on(t.createdAt),
    check('delivery_logs_level_check', oneOf('level', logLevels)),
  ],
);

export const artifacts = pgTable(
  'artifacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    deliveryId: uuid('delivery_id').references(() => deliveries.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull().default('screenshot'),
    mime: text('mime').notNull(),
    data: bytea('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('artifacts_created_idx').on(t.createdAt)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/** An owner's subscription of an URL to event types; the signing secret is encrypted with the keyring. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    secretEncrypted: text('secret_encrypted').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhooks_user_created_idx').on(t.userId, t.createdAt.desc()),
    check('webhooks_events_check', sql.raw(`cardinality(events) > 0 and events <@ array[${webhookEventTypes.map((e) => `'${e}'`).join(', ')}]::text[]`)),
  ],
);

/** Each call made to a webhook: what answered and how fast (never the answer's body). */
export const webhookCalls = pgTable(
  'webhook_calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: uuid('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
    /** Stable across retries: the `id` of the body sent. */
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_calls_webhook_created_idx').on(t.webhookId, t.createdAt.desc()),
    check('webhook_calls_event_type_check', oneOf('event_type', webhookEventTypes)),
  ],
);
