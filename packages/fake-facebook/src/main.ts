/** `pnpm fake:facebook`: the fake on PORT (default 3400) and HOST, with one seeded account and group. */
import { startFakeFacebook } from './server.ts';

const fake = await startFakeFacebook({
  port: Number(process.env.PORT || 3400),
  host: process.env.HOST || '127.0.0.1',
  logger: process.env.LOG_LEVEL === 'debug',
});
const account = fake.state.addAccount({ name: 'Sandbox Seller', email: 'seller@example.test', password: 'sandbox-password' });
const group = fake.state.addGroup({ name: 'Sandbox Buy & Sell' });
console.log(`fake Facebook on ${fake.url}`);
console.log(`account ${account.userId}: log in as seller@example.test / sandbox-password, or send these cookies:`);
console.log(JSON.stringify(fake.exportCookies(account)));
console.log(`group ${group.id}: ${fake.url}/groups/${group.id}/`);
console.log(`control API: ${fake.url}/__control (see packages/fake-facebook/README.md)`);
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
