export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** The gateway as a client sees it: JSON over HTTP with a bearer token. */
export class ApiClient {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  static async register(base: string, email: string, password = 'chaos-drill-password-1'): Promise<ApiClient> {
    const answer = await call(base, null, 'POST', '/api/auth/register', { email, password });
    if (answer.status !== 201) throw new Error(`register ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return new ApiClient(base, (answer.body as { token: string }).token);
  }

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    return call<T>(this.base, this.token, method, path, body);
  }

  /** Like `request`, but anything other than `expected` is an error naming the call. */
  async expect<T = Record<string, unknown>>(expected: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request<T>(method, path, body);
    if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async upload(filename: string, contentType: string, data: Buffer): Promise<{ id: string }> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(data)], { type: contentType }), filename);
    const response = await fetch(`${this.base}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${this.token}` }, body: form });
    if (response.status !== 201) throw new Error(`upload ${filename}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  }
}

async function call<T>(base: string, token: string | null, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** JSON from a fake's control API. */
export async function control<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}
