import { PublishError } from '@autoposter/publisher';

const REDACTED = '[redacted]';
const secretLookingKey = /token|cookie|password|passwd|secret|storage_?state|credential|authorization|api_?key|session_?id/i;
const MAX_DEPTH = 6;
/** Shorter credential strings (ids, "/", "Lax") are not worth hiding and would mangle messages. */
const MIN_SECRET_LENGTH = 8;
/**
 * A cookie's or origin's description, not its secret: hiding ".facebook.com" or
 * "no_restriction" would mangle every permalink and message that names them.
 */
const cookieMetadataKeys = new Set(['domain', 'path', 'sameSite', 'storeId', 'origin', 'name']);

/** Secrets providers and HTTP libraries put in text: the part after the name is replaced (idempotently). */
const secretPatterns: [RegExp, string][] = [
  [/\b(authorization|proxy-authorization|set-cookie|cookie)(["']?\s*[:=]\s*)[^\r\n]*/gi, `$1$2${REDACTED}`],
  [/\b(access_token|refresh_token|client_secret|password)(["']?\s*[:=]\s*["']?)[^\s"'&,;)}[\]]+/gi, `$1$2${REDACTED}`],
  [/\bBearer\s+[\w.~+/=-]+/gi, `Bearer ${REDACTED}`],
];

/**
 * Postgres text and jsonb cannot hold U+0000: a provider's message carrying one would make the
 * attempt's whole record fail. It becomes U+FFFD, the replacement character.
 */
export const storable = (text: string): string => text.replaceAll('\u0000', '\uFFFD');

/** Copies log fields with every secret-looking key's value replaced, at any depth; keys and values storable. */
export function redactFields(value: unknown, redactText: (text: string) => string = storable, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[truncated]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactFields(item, redactText, depth + 1));
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [storable(key), secretLookingKey.test(key) ? REDACTED : redactFields(item, redactText, depth + 1)]),
  );
}

/**
 * Keeps one attempt's secrets out of what it records: the decrypted credentials' values it
 * learned, and secret-looking patterns, in error messages, stack traces and log lines. What it
 * returns is also storable.
 */
export class Redactor {
  private secrets: string[] = [];

  /**
   * Every string long enough to be a secret under a secret-looking key of the credentials
   * (tokens, cookies, passwords, storage states, at any depth). Ids beside them (`page_id`,
   * `ig_user_id`) are not secrets: a Page post id `{page-id}_{post-id}` must be stored whole.
   */
  learnSecretsOf(credentials: unknown): void {
    const found = secretStringsIn(credentials).filter((value) => value.length >= MIN_SECRET_LENGTH);
    const variants = found.flatMap((value) => [value, encodeURIComponent(value)]);
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...new Set([...this.secrets, ...variants])].sort((a, b) => b.length - a.length);
  }

  text = (text: string): string => {
    const withoutValues = this.secrets.reduce((result, secret) => result.split(secret).join(REDACTED), text);
    return storable(secretPatterns.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), withoutValues));
  };

  fields(fields: Record<string, unknown>): Record<string, unknown> {
    return redactFields(fields, this.text) as Record<string, unknown>;
  }

  /** The same failure with its message and stack trace scrubbed. */
  error(error: PublishError): PublishError {
    const scrubbed = new PublishError(error.type, this.text(error.message), {
      ...(error.code !== undefined ? { code: this.text(error.code) } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      ...(error.screenshot !== undefined ? { screenshot: error.screenshot } : {}),
      ...(error.html !== undefined ? { html: this.text(error.html) } : {}),
      outcomeUnknown: error.outcomeUnknown,
    });
    if (error.stack !== undefined) scrubbed.stack = this.text(error.stack);
    return scrubbed;
  }
}

function stringsIn(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => (cookieMetadataKeys.has(key) ? [] : stringsIn(item, depth + 1)));
}

/** The strings under secret-looking keys (tokens, cookies, passwords, storage states), at any depth. */
function secretStringsIn(value: unknown, depth = 0): string[] {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    secretLookingKey.test(key) ? secretValuesIn(item, depth + 1) : secretStringsIn(item, depth + 1),
  );
}

/**
 * Everything beneath a secret key is secret, except the public parts of name/value pairs
 * (a cookie's name, domain and path, a local storage entry's name): only their value is.
 */
function secretValuesIn(value: unknown, depth: number): string[] {
  if (typeof value === 'string') return [value];
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return [];
  if (!Array.isArray(value) && 'name' in value && 'value' in value) return stringsIn((value as { value: unknown }).value, depth + 1);
  return Object.values(value).flatMap((item) => secretValuesIn(item, depth + 1));
}
