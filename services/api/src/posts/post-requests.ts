import Type, { type Static } from 'typebox';
import { channels, postStatuses } from '@autoposter/db';
import type { NewPost, PostContent } from '@autoposter/db/repositories/posts';
import { Nullable, Timestamp, Uuid } from '../schemas/common.ts';

const optionalText = (maxLength: number, description?: string) =>
  Type.Optional(Nullable(Type.String({ maxLength, description })));

const Body = Type.String({ minLength: 1, maxLength: 100_000, description: 'the text; Instagram caption' });

/** The fields a person writes; shared by create and PATCH. */
const contentFields = {
  title: optionalText(300, 'required for marketplace'),
  price: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 999_999_999_999.99, description: 'required for marketplace' }))),
  currency: optionalText(8, 'ISO 4217 code, e.g. USD'),
  category: optionalText(200),
  condition: optionalText(100),
  location: optionalText(200),
  link: optionalText(2048, 'http(s) URL'),
  media_ids: Type.Optional(Type.Array(Uuid, { uniqueItems: true, maxItems: 20, description: 'uploaded images, in order' })),
  video_media_id: Type.Optional(Nullable(Uuid)),
};

export const PostTarget = Type.Object(
  {
    channel: Type.Enum(channels),
    account_id: Uuid,
    target_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200, description: 'the group id; facebook_group only' }))),
  },
  { additionalProperties: false },
);

export const CreatePostBody = Type.Object(
  {
    ...contentFields,
    body: Body,
    targets: Type.Array(PostTarget, { minItems: 1, maxItems: 50 }),
    scheduled_at: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);

export const PatchPostBody = Type.Object(
  { ...contentFields, body: Type.Optional(Body) },
  { additionalProperties: false, minProperties: 1, description: 'content only; reschedule with POST /api/posts/:id/schedule' },
);

export const DEFAULT_PAGE_SIZE = 20;

export const ListPostsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(postStatuses)),
    channel: Type.Optional(Type.Enum(channels)),
    account_id: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'the same key and body within 24 h returns the first result' }),
  ),
});

export type PostTarget = Static<typeof PostTarget>;
export type CreatePostBody = Static<typeof CreatePostBody>;
export type PatchPostBody = Static<typeof PatchPostBody>;

const columnOf = {
  title: 'title',
  body: 'body',
  price: 'price',
  currency: 'currency',
  category: 'category',
  condition: 'condition',
  location: 'location',
  link: 'link',
  media_ids: 'mediaIds',
  video_media_id: 'videoMediaId',
} as const satisfies Record<keyof PatchPostBody, keyof PostContent>;

/** The content fields present in a request, as columns (price goes to a numeric column as text). */
export function contentChanges(fields: PatchPostBody | CreatePostBody): Partial<PostContent> {
  const changes: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(columnOf)) {
    const value = fields[field as keyof typeof columnOf];
    if (value !== undefined) changes[column] = field === 'price' && value !== null ? String(value) : value;
  }
  return changes as Partial<PostContent>;
}

/** A create request as the post, deliveries and schedule to store. */
export const newPost = (input: CreatePostBody): NewPost => ({
  content: { ...contentChanges(input), body: input.body },
  targets: input.targets.map((target) => ({ channel: target.channel, accountId: target.account_id, targetId: target.target_id ?? null })),
  scheduledAt: input.scheduled_at ? new Date(input.scheduled_at) : null,
});
