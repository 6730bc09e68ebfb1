import { classifyGraphFailure, GraphApiError, type GraphClient } from '@autoposter/graph-client';
import type { ErrorType, PublishAccount, SessionCheck } from '@autoposter/publisher';
import { GraphSession, identityOf } from './graph-session.ts';

export interface MetaAccountCheck extends SessionCheck {
  /** What the user should do when it is not valid. */
  actionRequired: string | null;
}

const ok = (message: string): MetaAccountCheck => ({ valid: true, message, actionRequired: null });
const refused = (message: string, actionRequired: string, errorType: ErrorType = 'invalid_token'): MetaAccountCheck => ({ valid: false, message, actionRequired, errorType });

/**
 * Checks a Meta account's token against the Graph API, as at connect time and on demand:
 * a Page's token must answer `GET /me` with that Page (not a user, not another Page); an
 * Instagram account must be readable with its token (and, with Instagram Login, be `/me`).
 */
export async function checkMetaAccount(client: GraphClient, account: Pick<PublishAccount, 'kind' | 'credentials'>, signal: AbortSignal): Promise<MetaAccountCheck> {
  const graph = new GraphSession(client, identityOf(account as PublishAccount), signal);
  try {
    return account.kind === 'facebook_page' ? await checkPage(graph) : await checkInstagram(graph);
  } catch (error) {
    return failedCheck(error);
  }
}

async function checkPage(graph: GraphSession): Promise<MetaAccountCheck> {
  const pageId = graph.identity.objectId;
  const me = await graph.raw<{ id: string; name?: string; metadata?: { type?: string } }>('GET', '/me', { fields: 'id,name', metadata: 1 });
  if (me.id === pageId) return ok(`The token is a Page token of ${me.name ?? `Page ${pageId}`}`);
  if (me.metadata?.type === 'user') {
    return refused(
      `This is a user access token (of ${me.name ?? me.id}), not a Page token of Page ${pageId}`,
      `Use the Page access token of Page ${pageId} (GET /me/accounts with the user token lists them)`,
      'validation_error',
    );
  }
  return refused(
    `This token belongs to ${me.metadata?.type === 'page' ? 'another Page' : 'another account'} (${me.name ? `${me.name}, ` : ''}id ${me.id}), not Page ${pageId}`,
    `Use the Page access token of Page ${pageId}`,
    'validation_error',
  );
}

async function checkInstagram(graph: GraphSession): Promise<MetaAccountCheck> {
  const igUserId = graph.identity.objectId;
  if (graph.identity.host === 'instagram') {
    const me = await graph.raw<{ id: string; user_id?: string; username?: string }>('GET', '/me', { fields: 'user_id,username' });
    if (me.id !== igUserId && me.user_id !== igUserId) {
      return refused(`This Instagram Login token belongs to another account (${me.username ?? me.id}), not ${igUserId}`, `Use the Instagram Login token of account ${igUserId}`, 'validation_error');
    }
    return ok(`The token can publish as @${me.username ?? igUserId} (Instagram Login)`);
  }
  try {
    const user = await graph.raw<{ id: string; username?: string }>('GET', `/${igUserId}`, { fields: 'id,username' });
    return ok(`The token can publish as @${user.username ?? user.id}`);
  } catch (error) {
    if (error instanceof GraphApiError && error.code === 100) {
      return refused(
        `The Instagram account ${igUserId} cannot be read with this token: ${error.message}`,
        'Use the Page access token of the Facebook Page this Instagram account is connected to, or set login to "instagram" for an Instagram Login token',
        'permission_denied',
      );
    }
    throw error;
  }
}

function failedCheck(error: unknown): MetaAccountCheck {
  const classified = classifyGraphFailure(error);
  const message = (error as Error).message;
  if (classified.type === 'invalid_token') {
    return refused(`The token is expired or was revoked: ${message}`, 'Generate a new access token and update the account session (PUT /api/accounts/:id/session)');
  }
  if (classified.type === 'permission_denied') return refused(`The token lacks a permission: ${message}`, 'Grant the missing permission to the app and generate a new token', 'permission_denied');
  const temporary = classified.action === 'retry' || classified.action === 'wait' || classified.action === 'quota';
  return {
    valid: false,
    temporary,
    errorType: classified.type,
    message: temporary ? `The Graph API could not be asked: ${message}` : message,
    actionRequired: temporary ? 'Try again later' : 'Check the account credentials',
  };
}
