/** A use case refused a request for a reason the caller can act on. Routes map `kind` to a status. */
export class UseCaseError extends Error {
  override name = 'UseCaseError';
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'conflict',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
