import { parseArgs } from 'node:util';
import { databaseSection, loadConfig, redisSection, retrySection, schedulingSection, secretsSection } from '@autoposter/config';
import { decryptJson, encryptJson } from '@autoposter/crypto';
import { createDatabase, UUID_REGEX } from '@autoposter/db';
import { findAccount, ownerOfAccount, replaceAccountSession } from '@autoposter/db/repositories/accounts';
import { browserSection, logInToFacebook, type BrowserCredentials } from '@autoposter/facebook-browser';
import { createEngine } from '@autoposter/engine';
import { createLogger } from '@autoposter/logger';
import { createRedisConnection } from '@autoposter/queue';

export const facebookLoginUsage = `usage: pnpm cli facebook-login --account <id> [--headless --email <email> --password <password>] [--timeout <seconds>]
  Opens Chromium at Facebook's login page (or the checkpoint the account is stuck on) for you to
  log in by hand, then saves the session to the account, encrypted. With --headless, --email and
  --password the form is filled for you (no window).`;

/** `pnpm cli facebook-login`: exit code 0 once the session is saved. */
export async function facebookLogin(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      account: { type: 'string' },
      headless: { type: 'boolean', default: false },
      email: { type: 'string' },
      password: { type: 'string' },
      timeout: { type: 'string', default: '600' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.account) {
    process.stdout.write(`${facebookLoginUsage}\n`);
    return values.help ? 0 : 2;
  }
  if (!UUID_REGEX.test(values.account)) {
    process.stderr.write(`--account: "${values.account}" is not an account id (UUID)\n`);
    return 1;
  }
  const config = loadConfig({ database: databaseSection, redis: redisSection, secrets: secretsSection, browser: browserSection, retry: retrySection, scheduling: schedulingSection });
  const database = createDatabase({ url: config.database.url, poolMax: 2, applicationName: 'cli' });
  const redis = createRedisConnection(config.redis.url, 'producer');
  const keyring = { keys: config.secrets.keys };
  try {
    const userId = await ownerOfAccount(database.db, values.account);
    const account = userId ? await findAccount(database.db, userId, values.account) : null;
    if (!userId || !account) throw new Error(`No account ${values.account}`);
    if (account.kind !== 'facebook_browser') throw new Error(`Account ${account.id} is a ${account.kind} account: facebook-login is for facebook_browser accounts`);
    const current = decryptJson<BrowserCredentials>(keyring, account.credentialsEncrypted);
    const session = await logInToFacebook(
      { ...config.browser, headless: values.headless },
      {
        current,
        ...(values.email ? { email: values.email } : {}),
        ...(values.password ? { password: values.password } : {}),
        timeoutMs: Number(values.timeout) * 1000,
        say: (message) => process.stdout.write(`${message}\n`),
      },
    );
    await replaceAccountSession(database.db, userId, account.id, encryptJson(keyring, session));
    const engine = createEngine({
      db: database.db,
      redis,
      prefix: config.redis.prefix,
      logger: createLogger({ service: 'cli', level: 'warn' }),
      settings: { maxAttempts: config.retry.maxAttempts, ...config.scheduling },
    });
    const woken = await engine.wakeAccountDeliveries(userId, account.id).finally(() => engine.close());
    process.stdout.write(`Saved the Facebook session of account ${account.id} (${account.name})${woken ? `; ${woken} waiting delivery(ies) go again` : ''}.\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await database.close();
    redis.disconnect();
  }
}
