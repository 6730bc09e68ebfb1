/** A JSON call to a benchmark server that must answer `expected`; the body comes back parsed. */
export async function callJson<T>(
  url: string,
  init: { method: string; token?: string; json?: unknown; form?: FormData },
  expected: number,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.form,
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${init.method} ${url}: expected ${expected}, got ${response.status} ${text}`);
  return JSON.parse(text) as T;
}
