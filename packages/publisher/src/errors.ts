export const errorTypes = [
  'session_expired',
  'invalid_token',
  'permission_denied',
  'captcha',
  'rate_limit',
  'network_error',
  'provider_unavailable',
  'validation_error',
  'ui_changed',
  'duplicate',
  'unknown',
] as const;
export type ErrorType = (typeof errorTypes)[number];

/** Retried with backoff (up to the attempt limit); every other type fails at once. */
export const temporaryErrorTypes: ReadonlySet<ErrorType> = new Set(['rate_limit', 'network_error', 'provider_unavailable', 'unknown']);

/**
 * These say the account itself is unusable until a person acts (a new session, a checkpoint or
 * captcha passed by hand): its health becomes `error` and its other deliveries wait for a
 * session update instead of failing one by one.
 */
export const accountErrorTypes: ReadonlySet<ErrorType> = new Set(['session_expired', 'invalid_token', 'captcha']);

export interface PublishErrorOptions {
  /** Provider's own code (Graph error code, HTTP status...). */
  code?: string | number;
  /** The provider asked us to wait at least this long before trying again. */
  retryAfterMs?: number;
  /** A screenshot of the page when it failed (browser publishers). */
  screenshot?: Buffer;
  /** The page's HTML when it failed, already scrubbed of secrets (browser publishers). */
  html?: string;
  /** The write may have reached the provider: the next attempt must look before publishing. */
  outcomeUnknown?: boolean;
  cause?: unknown;
}

/** The longest wait a provider may ask for: a larger one (or a date past JavaScript's range) is capped. */
export const MAX_RETRY_AFTER_MS = 30 * 86_400_000;

const isErrorType = (type: unknown): type is ErrorType => (errorTypes as readonly unknown[]).includes(type);

/**
 * A failure a publisher understood. Its message is shown to the user: keep secrets out of it.
 * What it carries is recorded as is, so it is made recordable here: a type outside the
 * contract's list is `unknown`, a retry-after that is not a finite wait is dropped and a longer
 * one than `MAX_RETRY_AFTER_MS` capped.
 */
export class PublishError extends Error {
  override name = 'PublishError';
  readonly type: ErrorType;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly screenshot?: Buffer;
  readonly html?: string;
  readonly outcomeUnknown: boolean;

  constructor(type: ErrorType, message: string, options: PublishErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = isErrorType(type) ? type : 'unknown';
    if (options.code !== undefined) this.code = String(options.code);
    if (Number.isFinite(options.retryAfterMs) && options.retryAfterMs! >= 0) this.retryAfterMs = Math.min(options.retryAfterMs!, MAX_RETRY_AFTER_MS);
    if (options.screenshot !== undefined) this.screenshot = options.screenshot;
    if (options.html !== undefined) this.html = options.html;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }

  get temporary(): boolean {
    return temporaryErrorTypes.has(this.type);
  }
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Turns anything a publisher threw into a PublishError. Network failures and timeouts are
 * `network_error` with an unknown outcome (the request may have been applied); anything
 * else unrecognised is `unknown`, which is retried.
 */
export function classifyError(error: unknown): PublishError {
  if (error instanceof PublishError) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: string }).code ?? (err.cause as { code?: string } | undefined)?.code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new PublishError('network_error', `Timed out: ${err.message}`, { outcomeUnknown: true, cause: err });
  }
  if (code && networkCodes.has(code)) {
    return new PublishError('network_error', `Network error (${code}): ${err.message}`, {
      code,
      outcomeUnknown: true,
      cause: err,
    });
  }
  const wrapped = new PublishError('unknown', err.message || 'Unexpected error', { outcomeUnknown: true, cause: err });
  wrapped.stack = err.stack;
  return wrapped;
}

/**
 * Not a failure: the provider cannot take the post yet (a full publishing quota, an account
 * about to be throttled). The runtime puts the delivery back until `until` without using an
 * attempt of its run, logs `reason` for the user, and with `accountWide` sets the account's
 * cooldown so its other deliveries wait too. Throw it only before anything was written that a
 * retry could not resume (`saveState` what was).
 */
export class PublishDeferral extends Error {
  override name = 'PublishDeferral';
  constructor(
    readonly until: Date,
    readonly reason: string,
    readonly options: { accountWide?: boolean } = {},
  ) {
    super(`Waiting until ${until.toISOString()}: ${reason}`);
  }
}

/** Thrown by `request.assertStillWanted()`: the delivery was canceled (or its post deleted) meanwhile. */
export class NoLongerWantedError extends PublishError {
  override name = 'NoLongerWantedError';
  constructor(reason: string) {
    super('validation_error', `Not published: ${reason} before the publishing call`);
  }
}
