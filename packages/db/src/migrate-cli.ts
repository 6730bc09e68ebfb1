import { databaseSection, loadConfig } from '@autoposter/config';
import { runMigrations } from './migrate.ts';

const config = loadConfig({ database: databaseSection });
await runMigrations(config.database.url);
process.stdout.write('migrations applied\n');
