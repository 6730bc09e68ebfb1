import Type, { type Static } from 'typebox';
import type { AccountLimitsOverride } from '@autoposter/db/repositories/accounts';
import { badRequest } from '../plugins/errors.ts';

const ClockTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, 24-hour' });
const PostingHours = Type.Object(
  { from: ClockTime, to: ClockTime },
  { additionalProperties: false, description: 'daily window in the account time zone; null for any hour' },
);

/** Pacing overrides as sent on create and PATCH; a field left out keeps its current value. */
export const LimitsInput = Type.Object(
  {
    daily_cap: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    min_gap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    posting_hours: Type.Optional(Type.Union([PostingHours, Type.Null()])),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' })),
  },
  { additionalProperties: false },
);

/** The limits an account runs with, defaults filled in. */
export const LimitsBody = Type.Object({
  daily_cap: Type.Integer(),
  min_gap_seconds: Type.Integer(),
  posting_hours: Type.Union([Type.Object({ from: Type.String(), to: Type.String() }), Type.Null()]),
  timezone: Type.String(),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The checks a schema cannot express; returns the overrides to store. */
export function checkLimits(input: Static<typeof LimitsInput>, field = 'body.limits'): AccountLimitsOverride {
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    throw badRequest(`${field}.timezone must be an IANA time zone such as Europe/Paris`);
  }
  if (input.posting_hours && input.posting_hours.from === input.posting_hours.to) {
    throw badRequest(`${field}.posting_hours.from and .to must differ (use null for any hour)`);
  }
  return input;
}
