import { describe, expect, it } from 'vitest';
import { serializeError, statementName } from './query-errors.ts';

/** Shaped like node-postgres's DatabaseError. */
function databaseError(message: string, fields: Record<string, string>) {
  return Object.assign(new Error(message), { name: 'error', severity: 'ERROR', ...fields });
}

/** Shaped like drizzle's DrizzleQueryError. */
class DrizzleQueryError extends Error {
  constructor(
    readonly query: string,
    readonly params: unknown[],
    cause: Error,
  ) {
    super(`Failed query: ${query}\nparams: ${params.join(',')}`, { cause });
  }
}
const queryError = (query: string, params: unknown[], cause: Error) => new DrizzleQueryError(query, params, cause);

describe('serializeError', () => {
  it("names a failed query by its statement and keeps the database's error, without parameters or detail", () => {
    const cause = databaseError('duplicate key value violates unique constraint "users_email_key"', {
      code: '23505',
      constraint: 'users_email_key',
      table: 'users',
      detail: 'Key (lower(email))=(alice@example.test) already exists.',
    });
    const line = JSON.stringify(serializeError(queryError('insert into "users" ("email", "password_hash") values ($1, $2)', ['alice@example.test', 'hash-secret'], cause)));
    expect(line).not.toContain('alice@example.test');
    expect(line).not.toContain('hash-secret');
    expect(JSON.parse(line)).toMatchObject({
      type: 'DrizzleQueryError',
      message: 'Failed query: insert users',
      stack: expect.stringMatching(/^DrizzleQueryError: Failed query: insert users\n {4}at /),
      cause: { code: '23505', constraint: 'users_email_key', table: 'users', message: expect.stringContaining('users_email_key') },
    });
  });

  it('withholds the value a data error quotes', () => {
    const err = databaseError('invalid input syntax for type uuid: "alice@example.test"', { code: '22P02' });
    const line = JSON.stringify(serializeError(err));
    expect(line).not.toContain('alice@example.test');
    expect(JSON.parse(line).message).toBe('invalid input syntax for type uuid: "[value withheld]"');
  });

  it('leaves other errors as pino writes them', () => {
    expect(serializeError(new TypeError('boom'))).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(serializeError('not an error')).toBe('not an error');
  });
});

describe('statementName', () => {
  it('is the verb and the table', () => {
    expect(statementName('select "id" from "posts" where "posts"."user_id" = $1')).toBe('select posts');
    expect(statementName('update "deliveries" set "status" = $1')).toBe('update deliveries');
    expect(statementName('delete from "users" where "id" = $1')).toBe('delete users');
    expect(statementName('with x as (select 1) select * from x')).toBe('with x');
    expect(statementName('select 1')).toBe('select');
  });
});
