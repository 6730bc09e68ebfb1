/** Health rules live beside the account rows, so the workers' events and the gateway's views agree. */
export * from '@autoposter/db/repositories/account-health-status';
