import { noUsage, parseUsage, type GraphUsage } from './usage.ts';

export interface GraphClientOptions {
  /** GRAPH_API_BASE_URL, without version: Facebook Login (Pages, Page-connected Instagram). */
  graphBaseUrl: string;
  /** INSTAGRAM_GRAPH_BASE_URL, without version: Instagram Login. */
  instagramBaseUrl: string;
  /** GRAPH_API_VERSION, e.g. v27.0. */
  version: string;
  /** GRAPH_API_TIMEOUT: one call longer than this is aborted. */
  timeoutMs: number;
  /** Told the usage headers of every successful answer, and whose they are (usage-header slowdown). */
  onUsage?: (usage: GraphUsage, call: { objectId: string }) => void;
}

export type GraphHost = 'facebook' | 'instagram';
export type GraphParams = Record<string, string | number | boolean | unknown[] | Record<string, unknown> | undefined>;

export interface GraphRequest {
  host: GraphHost;
  method: 'GET' | 'POST' | 'DELETE';
  /** `/{id}` or `/{id}/{edge}`, without version. */
  path: string;
  /** Sent in the Authorization header only: never in a URL, log line or error. */
  token: string;
  params?: GraphParams;
  signal?: AbortSignal;
  /** Calls that do not take a version (Instagram's `refresh_access_token`). */
  unversioned?: boolean;
  /**
   * The Page or IG user the call acts for: its usage readings are that account's, whatever the
   * path (a post, a container, a media). The path's first segment when absent.
   */
  objectId?: string;
}

/** The `error` object of a Graph error answer. */
export interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
  fbtrace_id?: string;
}

/** Meta answered with an error (or a non-JSON failure). Carries no token. */
export class GraphApiError extends Error {
  override name = 'GraphApiError';
  constructor(
    readonly status: number,
    readonly error: GraphErrorBody,
    readonly usage: GraphUsage,
    /** The request was a write: Meta may have applied it although the answer is an error (5xx). */
    readonly write: boolean,
  ) {
    super(describeGraphError(status, error));
  }

  get code(): number | undefined {
    return this.error.code;
  }

  get subcode(): number | undefined {
    return this.error.error_subcode;
  }
}

/** No answer: the connection failed, was dropped, or the call timed out. A write's outcome is unknown. */
export class GraphNetworkError extends Error {
  override name = 'GraphNetworkError';
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly write: boolean,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/** What the user sees: Meta's own words for people when it has them, with the code. */
export function describeGraphError(status: number, error: GraphErrorBody): string {
  const words = error.error_user_msg || error.message || `HTTP ${status} without an error message`;
  const code = error.code !== undefined ? `(#${error.code}${error.error_subcode ? `/${error.error_subcode}` : ''}) ` : `(HTTP ${status}) `;
  const alreadyCoded = error.code !== undefined && words.startsWith(`(#${error.code})`);
  const detail = error.error_user_msg && error.message && error.error_user_msg !== error.message ? ` [${error.message}]` : '';
  return `${alreadyCoded ? '' : code}${words}${detail}`;
}

function encodeParams(params: GraphParams | undefined): URLSearchParams {
  const encoded = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    encoded.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return encoded;
}

/**
 * Calls the Graph API with Node's fetch (undici keeps connections alive), a timeout on every
 * call, and the version from configuration. Answers are JSON; errors are GraphApiError or
 * GraphNetworkError.
 */
export class GraphClient {
  constructor(readonly options: GraphClientOptions) {}

  baseUrl(host: GraphHost): string {
    return host === 'instagram' ? this.options.instagramBaseUrl : this.options.graphBaseUrl;
  }

  async request<T = Record<string, unknown>>(request: GraphRequest): Promise<{ body: T; usage: GraphUsage }> {
    const params = encodeParams(request.params);
    const prefix = request.unversioned ? '' : `/${this.options.version}`;
    const query = request.method === 'GET' && params.size > 0 ? `?${params}` : '';
    const url = `${this.baseUrl(request.host)}${prefix}${request.path}${query}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const write = request.method !== 'GET';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: { authorization: `Bearer ${request.token}`, accept: 'application/json' },
        ...(request.method !== 'GET' && params.size > 0 ? { body: params } : {}),
        signal,
      });
      text = await response.text();
    } catch (err) {
      const timedOut = timeout.aborted;
      const reason = timedOut ? `no answer within ${this.options.timeoutMs} ms` : request.signal?.aborted ? 'the call was aborted' : networkReason(err);
      throw new GraphNetworkError(`Graph API ${request.method} ${pathOnly(request.path)}: ${reason}`, timedOut, write, err);
    }
    const usage = response.headers ? parseUsage(response.headers) : noUsage;
    const body = parseBody(text);
    if (!response.ok || (body && typeof body === 'object' && 'error' in body)) {
      const error = (body as { error?: GraphErrorBody } | null)?.error ?? { message: text.slice(0, 200) || undefined };
      throw new GraphApiError(response.status, error, usage, write);
    }
    // A refusal's wait is the classification's business; usage on answers that went through paces what comes next.
    this.options.onUsage?.(usage, { objectId: request.objectId ?? request.path.split('/')[1] ?? '' });
    return { body: body as T, usage };
  }
}

const pathOnly = (path: string) => path.split('?')[0];

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ? `network error (${cause.code})` : `network error (${(err as Error)?.message ?? 'unknown'})`;
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
