/**
 * An id as Postgres writes a uuid: 8-4-4-4-12 hex digits. Anything else (braces, no hyphens, a
 * `urn:uuid:` prefix that ajv-formats' `uuid` accepts) is refused before it reaches a query.
 */
export const UUID_REGEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
