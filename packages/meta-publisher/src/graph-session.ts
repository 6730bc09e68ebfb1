import { classifyGraphFailure, toPublishError, type GraphClient, type GraphHost, type GraphParams } from '@autoposter/graph-client';
import type { PublishAccount } from '@autoposter/publisher';

/** Who a Meta account acts as, and with which token on which host. */
export interface MetaIdentity {
  host: GraphHost;
  token: string;
  /** The Page id (facebook_page) or IG user id (instagram_business). */
  objectId: string;
}

export function identityOf(account: PublishAccount): MetaIdentity {
  const credentials = account.credentials as { page_id?: string; ig_user_id?: string; access_token?: string; login?: string };
  if (!credentials.access_token) throw new Error(`The ${account.kind} account has no access token`);
  if (account.kind === 'facebook_page' && credentials.page_id) {
    return { host: 'facebook', token: credentials.access_token, objectId: credentials.page_id };
  }
  if (account.kind === 'instagram_business' && credentials.ig_user_id) {
    return { host: credentials.login === 'instagram' ? 'instagram' : 'facebook', token: credentials.access_token, objectId: credentials.ig_user_id };
  }
  throw new Error(`A ${account.kind} account cannot publish through the Graph API`);
}

/**
 * Graph calls for one identity during one attempt: the token and the attempt's signal go with
 * every call, its usage readings are the identity's (whatever object the path names), and a failure becomes a PublishError with Meta's words (`readBack` marks reads of
 * what was just written, where 100/33 means "not readable yet").
 */
export class GraphSession {
  constructor(
    private readonly client: GraphClient,
    readonly identity: MetaIdentity,
    private readonly signal: AbortSignal,
  ) {}

  get<T = Record<string, unknown>>(path: string, params?: GraphParams, options: { readBack?: boolean } = {}): Promise<T> {
    return this.call<T>('GET', path, params, options);
  }

  post<T = Record<string, unknown>>(path: string, params?: GraphParams): Promise<T> {
    return this.call<T>('POST', path, params, {});
  }

  delete(path: string): Promise<unknown> {
    return this.call('DELETE', path, undefined, {});
  }

  /** The raw call: failures are thrown as the client's errors (for callers that act on the classification). */
  async raw<T>(method: 'GET' | 'POST' | 'DELETE', path: string, params?: GraphParams): Promise<T> {
    const { host, token, objectId } = this.identity;
    const { body } = await this.client.request<T>({ host, method, path, token, objectId, signal: this.signal, ...(params ? { params } : {}) });
    return body;
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, params: GraphParams | undefined, options: { readBack?: boolean }): Promise<T> {
    try {
      return await this.raw<T>(method, path, params);
    } catch (error) {
      throw toPublishError(error, classifyGraphFailure(error, options));
    }
  }
}
