import { fuzzOpenApiWith, httpSender, operationsOf, rawSocketSender, tokenSigner, type FuzzFailure, type FuzzOptions, type FuzzTally } from '../../services/api/src/test/openapi-fuzz.ts';
import type { Drill, DrillOutcome, Target } from '../lib/drill.ts';
import { addWebhook, crossUserLinks, differences, idsOf, ownFileHashes, seedTenant, snapshot, waitUntilQuiet, type Snapshot, type Tenant } from '../lib/tenants.ts';
import { waitUntilSettled } from '../lib/tally.ts';

/**
 * Operations that act on all of the caller's data at once (its sessions, password, whole
 * account, every account's health, every failed delivery): fuzzed as the fresh users of the
 * second phase, not as the attacker, whose data made before must come out unchanged.
 */
const SWEEPING_OPERATIONS = ['logoutAll', 'changePassword', 'deleteCurrentUser', 'checkAccountsHealth', 'retryFailedPosts'];

/** The requests each phase makes, as `fuzzOpenApiWith` options: all fixed shapes in the full drill, a spread of them in the short round. */
const phaseSize = (short: boolean, operations: number): Pick<FuzzOptions, 'randomPerOperation' | 'shapesPerOperation'> =>
  short ? { randomPerOperation: 2, shapesPerOperation: 6 } : { randomPerOperation: Math.ceil(4_000 / operations) };

/**
 * Every operation of the gateway's OpenAPI document fuzzed over HTTP (`openapi-fuzz.ts`, with
 * fast-check), in two phases. Two users, a victim and an attacker, first get data of every kind
 * (accounts, media, published and scheduled posts, a job, a webhook), each marked with text only
 * its data holds. Phase 1: the attacker's token, with the victim's real ids in every id position
 * and none of its own, so the attacker's data must come out unchanged too. Phase 2: fresh users
 * (a new one every 250 requests) with their own ids and both users' ids. A response showing an
 * id or marker of someone else that the request did not carry is a cross-tenant read.
 */
export const hostileInput: Drill = {
  describe: "every OpenAPI operation fuzzed over HTTP with other users' real ids: no 5xx, no cross-tenant read, the data made before unchanged",
  async run({ stack, short, log }) {
    const send = httpSender(stack.urls.api, 150_000);
    // Tokens signed with the stack's secret but carrying claims the gateway never signs, and what only Node's parser sees.
    const gatewayOnly = { signToken: tokenSigner(stack.env.JWT_SECRET!), sendRaw: rawSocketSender(stack.urls.api) };
    const victim = await seedTenant(stack, 'victim', short ? 4 : 6);
    const attacker = await seedTenant(stack, 'attacker', short ? 4 : 6);
    const planned = [...victim.started, ...attacker.started];
    const settled = await waitUntilSettled(stack.databaseUrl, planned, 5 * 60_000);
    if (!settled.settled) throw new Error("the users' posts made before the fuzz did not settle within 5 minutes");
    await addWebhook(victim);
    await addWebhook(attacker);

    const before = { victim: await snapshot(stack.databaseUrl, victim.userId), attacker: await snapshot(stack.databaseUrl, attacker.userId) };
    const foreign = async (tenants: Tenant[]) => ({
      ids: (await Promise.all(tenants.map((tenant) => idsOf(stack.databaseUrl, tenant.userId, short)))).flat(),
      markers: [
        ...tenants.flatMap((tenant) => [tenant.marker, ...[...tenant.started, ...tenant.waiting].map((delivery) => delivery.marker)]),
        ...(await Promise.all(tenants.map((tenant) => ownFileHashes(stack.databaseUrl, tenant.userId)))).flat(),
      ],
    });
    const victimData = await foreign([victim]);
    const bothUsers = await foreign([victim, attacker]);
    log(`  before: victim ${before.victim.size} rows (${victimData.ids.length} ids), attacker ${before.attacker.size} rows`);

    const operations = operationsOf(JSON.parse((await send({ method: 'GET', url: '/docs/json', headers: {} })).body)).length;
    const progress = (phase: string) => (tally: FuzzTally) =>
      log(`  ${phase}: ${tally.requests} requests, ${tally.serverErrors.length} 5xx, ${tally.crossTenantReads.length} cross-tenant reads`);
    const started = Date.now();
    const asAttacker = await fuzzOpenApiWith(send, {
      ...phaseSize(short, operations),
      ...gatewayOnly,
      seed: 6,
      session: { headers: { authorization: `Bearer ${attacker.api.token}` } },
      foreign: victimData,
      skipOperations: SWEEPING_OPERATIONS,
      progress: progress('as the attacker'),
    });
    const asFreshUsers = await fuzzOpenApiWith(send, { ...phaseSize(short, operations), ...gatewayOnly, seed: 66, foreign: bothUsers, progress: progress('as fresh users') });
    const fuzzSeconds = (Date.now() - started) / 1000;

    const quiet = await waitUntilQuiet(stack.databaseUrl, 5 * 60_000);
    const changed = {
      victim: differences(before.victim, await snapshot(stack.databaseUrl, victim.userId), false),
      attacker: differences(before.attacker, await snapshot(stack.databaseUrl, attacker.userId), true),
      links: await crossUserLinks(stack.databaseUrl),
    };
    return {
      planned,
      ...hostileFigures(asAttacker, asFreshUsers, { before, changed, fuzzSeconds, quiet, short }),
      recoverMs: null,
      recoverWhat: 'no recovery: hostile input, not an outage',
    };
  },
};

interface Checked {
  before: { victim: Snapshot; attacker: Snapshot };
  changed: { victim: string[]; attacker: string[]; links: string[] };
  fuzzSeconds: number;
  quiet: { quiet: boolean; ms: number; open: number };
  short: boolean;
}

/** The first few failures, a body cut short (a file served shows as bytes). */
const firstOf = (failures: FuzzFailure[]) =>
  failures
    .slice(0, 3)
    .map(({ operation, shape, url, status, body }) => `${operation} (${shape}) ${url} -> ${status} ${body.includes('\ufffd') ? '<bytes>' : body.slice(0, 160)}`)
    .join('; ') || 'none';

function hostileFigures(asAttacker: FuzzTally, asFreshUsers: FuzzTally, checked: Checked): Pick<DrillOutcome, 'faults' | 'figures' | 'targets'> {
  const phases = [asAttacker, asFreshUsers];
  const sum = (count: (tally: FuzzTally) => number) => phases.reduce((total, tally) => total + count(tally), 0);
  const requests = sum((tally) => tally.requests);
  const serverErrors = phases.flatMap((tally) => [...tally.serverErrors, ...tally.unanswered]);
  const unanswered = sum((tally) => tally.unanswered.length);
  const reads = phases.flatMap((tally) => tally.crossTenantReads);
  const withoutCode = phases.flatMap((tally) => tally.withoutCode);
  const badTokensAccepted = phases.flatMap((tally) => tally.badTokensAccepted);
  const statuses = new Map<number, number>();
  for (const [status, count] of phases.flatMap((tally) => [...tally.statuses])) statuses.set(status, (statuses.get(status) ?? 0) + count);
  const { changed, before } = checked;
  const unchanged = changed.victim.length + changed.attacker.length + changed.links.length === 0;
  const target = checked.short ? 1_000 : 10_000;
  return {
    faults: `${requests} hostile requests over ${asFreshUsers.operations} operations in ${Math.round(checked.fuzzSeconds)} s`,
    figures: {
      'hostile requests': `${requests}: ${asAttacker.requests} with the attacker's token and only the victim's ids (${asAttacker.operations} operations), ${asFreshUsers.requests} as fresh users with their own ids and both users' ids; ${sum((tally) => tally.withForeignIds)} carried another user's id`,
      'responses by status': [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status} ${count}`).join(', '),
      'responses 5xx': `${serverErrors.length - unanswered}${unanswered ? ` (and ${unanswered} unanswered)` : ''}`,
      'cross-tenant reads': String(reads.length),
      'refusals without {error, code}': String(withoutCode.length),
      'bad tokens not refused with 401': `${badTokensAccepted.length} of ${sum((tally) => tally.badTokenChecks)}`,
      'data made before unchanged': unchanged
        ? `yes: the victim's ${before.victim.size} rows and the attacker's ${before.attacker.size} byte for byte, 0 rows pointing at another user's`
        : `NO: victim ${changed.victim.length} rows, attacker ${changed.attacker.length} rows, ${changed.links.length} rows pointing at another user's`,
      "fuzz users' own deliveries": checked.quiet.quiet ? `settled ${(checked.quiet.ms / 1000).toFixed(1)} s after the fuzz` : `${checked.quiet.open} still open after ${checked.quiet.ms / 1000} s`,
    },
    targets: [
      { what: `at least ${target.toLocaleString('en')} hostile requests`, met: requests >= target, detail: `${requests}` },
      { what: '0 responses 5xx', met: serverErrors.length === 0, detail: firstOf(serverErrors) },
      { what: '0 cross-tenant reads', met: reads.length === 0, detail: firstOf(reads) },
      { what: 'data made before the fuzzing unchanged', met: unchanged, detail: [...changed.victim, ...changed.attacker, ...changed.links].slice(0, 5).join('; ') },
      { what: '0 refusals without {error, code}', met: withoutCode.length === 0, detail: firstOf(withoutCode) },
      { what: 'every bad token refused with 401', met: badTokensAccepted.length === 0, detail: firstOf(badTokensAccepted) },
    ] satisfies Target[],
  };
}
