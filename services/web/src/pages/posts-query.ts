import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';
import type { PostStatus } from '../api/types.ts';
import type { Channel } from '../lib/channel-rules.ts';

export const POSTS_PAGE_SIZE = 25;

export interface PostsFilter {
  status?: PostStatus;
  channel?: Channel;
  accountId?: string;
}

/** The filters of the posts page, as its URL keeps them. */
export const postsFilterFrom = (params: URLSearchParams): PostsFilter => ({
  status: (params.get('status') as PostStatus | null) ?? undefined,
  channel: (params.get('channel') as Channel | null) ?? undefined,
  accountId: params.get('account_id') ?? undefined,
});

/** One page of the posts list: the page's query, and what the route prefetches while the page's code loads. */
export const postsQuery = ({ status, channel, accountId }: PostsFilter, cursor?: string) =>
  queryOptions({
    queryKey: ['posts', { status, channel, accountId, cursor }],
    queryFn: () => unwrap(api.GET('/api/posts', { params: { query: { status, channel, account_id: accountId, cursor, limit: POSTS_PAGE_SIZE } } })),
  });
