import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

const TOKEN_KEY = 'autoposter.token';

export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

/** The contract's error body, thrown for every non-2xx answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }

  /** The request field a 400 names ("body.title ..." or "title: ..."), if any. */
  get field(): string | undefined {
    const match = /^(?:body\.)?([a-z_]+)(?:\[\d+\])?[.:\s]/.exec(this.message);
    return match?.[1];
  }
}

let onUnauthorized: () => void = () => undefined;
export const setUnauthorizedHandler = (handler: () => void) => {
  onUnauthorized = handler;
};

const bearer: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? 'http://localhost' });
api.use(bearer);

export async function toApiError(response: Response, body?: unknown): Promise<ApiError> {
  const parsed = (body ?? (await response.json().catch(() => ({})))) as { error?: string; code?: string; details?: unknown[] };
  const details = Array.isArray(parsed.details) ? parsed.details.map(String) : [];
  return new ApiError(response.status, parsed.code ?? 'http_error', parsed.error ?? `${response.status} ${response.statusText}`, details);
}

/** The data of an openapi-fetch call, or its error thrown as an ApiError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw await toApiError(response, error);
  return data as T;
}

/** A plain JSON call with the token, for what the generated client cannot express (uploads with progress, contract routes not in this gateway's document yet). */
export async function fetchJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const token = tokenStore.get();
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body && typeof init.body === 'string') headers.set('content-type', 'application/json');
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw await toApiError(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Fetches a protected file (a screenshot) with the token. */
export async function fetchBlob(path: string): Promise<Blob> {
  const token = tokenStore.get();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw await toApiError(response);
  return response.blob();
}
