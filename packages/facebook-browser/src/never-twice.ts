import type { PublishRequest } from '@autoposter/publisher';

/** The worker's clock and the database's (which times attempts) may differ by this much. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** What a flow saves right before its final click ("Publish", "Post"). */
export interface FinalClickState extends Record<string, unknown> {
  flow: 'marketplace' | 'facebook_group';
  clicked_at: string;
  /** Ids of listings or posts of the same title or text that were there before the click: never adopted. */
  existing_ids: string[];
}

export function finalClickState(flow: FinalClickState['flow'], existingIds: string[], details: Record<string, unknown>): FinalClickState {
  return { ...details, flow, clicked_at: new Date().toISOString(), existing_ids: existingIds };
}

/**
 * The final click an attempt whose outcome is unknown made, if any: the state saved before it,
 * made since `request.since`. Without one nothing was clicked, so nothing can have been
 * published and there is nothing to adopt (a listing of the same title is someone else's or
 * older). Ids saved as already there are returned so the lookup skips them.
 */
export function unknownFinalClick(request: Pick<PublishRequest, 'channel' | 'since' | 'savedState'>): { existingIds: ReadonlySet<string> } | null {
  const state = request.savedState;
  if (!state || state.flow !== request.channel || typeof state.clicked_at !== 'string') return null;
  if (!(Date.parse(state.clicked_at) >= request.since.getTime() - CLOCK_SKEW_MS)) return null;
  const existing = Array.isArray(state.existing_ids) ? state.existing_ids.map(String) : [];
  return { existingIds: new Set(existing) };
}
