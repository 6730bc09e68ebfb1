// compose.yaml against the code: what each service reads, listens on and is built from.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { variableNames } from '@autoposter/config';

interface ComposeService {
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: (string | { target: number })[];
  healthcheck?: { test: string[] };
  depends_on?: string[] | Record<string, unknown>;
  stop_grace_period?: string;
}

type Sections = Parameters<typeof variableNames>[0];

const root = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const composeServices = Object.entries(compose.services);

/** Compose services that run a service's main.ts (a `command` makes a one-shot, like migrate). */
const running = composeServices.filter(([, service]) => service.build && !service.command);

const codeServices = readdirSync(join(root, 'services')).filter((name) =>
  existsSync(join(root, 'services', name, 'src/main.ts')),
);

/** The sections a service parses its environment with: the `*ConfigSections` export of its config.ts. */
async function configSectionsOf(serviceDir: string): Promise<Sections> {
  const module = (await import(join(root, 'services', serviceDir, 'src/config.ts'))) as Record<string, unknown>;
  const sections = Object.entries(module).find(([name]) => name.endsWith('ConfigSections'))?.[1];
  if (!sections) throw new Error(`services/${serviceDir}/src/config.ts exports no *ConfigSections`);
  return sections as Sections;
}

function variableSchemas(sections: Sections): Record<string, { default?: unknown }> {
  return Object.assign({}, ...Object.values(sections).map((section) => section.variables));
}

function requiredVariables(sections: Sections): string[] {
  return Object.entries(variableSchemas(sections))
    .filter(([, schema]) => !('default' in schema))
    .map(([name]) => name);
}

/** The value the service sees: compose's environment, else the schema's default. */
function effectiveValue(service: ComposeService, sections: Sections, name: string): string {
  return String(service.environment?.[name] ?? variableSchemas(sections)[name]?.default);
}

function containerPort(mapping: string | { target: number }): string {
  return typeof mapping === 'string' ? mapping.split(':').at(-1)!.replace(/\/(tcp|udp)$/, '') : String(mapping.target);
}

/** Compose durations such as "30s" or "1m30s", in milliseconds. */
function durationMs(value: string): number {
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h)/g)];
  expect(parts.map((part) => part[0]).join(''), `"${value}" is not a compose duration`).toBe(value);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * unitMs[unit!]!, 0);
}

const interpolated = /^\$\{[A-Z0-9_]+:\?[^}]+\}$/;
const secretName = /SECRET|PASSWORD|TOKEN|_KEYS?$/;

describe('compose.yaml', () => {
  it('builds every image from an existing Dockerfile and service entry point', () => {
    for (const [name, { build }] of composeServices.filter(([, service]) => service.build)) {
      expect(existsSync(join(root, build!.context, build!.dockerfile)), `${name}: ${build!.dockerfile}`).toBe(true);
      const entry = `services/${build!.args?.SERVICE}/src/main.ts`;
      expect(existsSync(join(root, entry)), `${name}: build arg SERVICE must name ${entry}`).toBe(true);
    }
  });

  it('runs every service that has a src/main.ts', () => {
    const built = running.map(([, service]) => service.build!.args?.SERVICE);
    expect(built).toEqual(expect.arrayContaining(codeServices));
    expect(codeServices.length).toBeGreaterThan(0);
  });

  it('only points depends_on at services it defines', () => {
    for (const [name, service] of composeServices) {
      const targets = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const target of targets) expect(compose.services, `${name} depends on ${target}`).toHaveProperty(target);
    }
  });

  it('takes secrets from .env interpolation, never from literals', () => {
    for (const [name, service] of composeServices) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (secretName.test(key)) expect(value, `${name}.${key}`).toMatch(interpolated);
        const password = /\/\/[^/:@]+:([^@]+)@/.exec(value)?.[1];
        if (password) expect(password, `${name}.${key} password`).toMatch(interpolated);
      }
    }
  });

  describe.each(running)('%s', (name, service) => {
    const serviceDir = service.build!.args!.SERVICE!;

    it('sets every variable without a default, and only variables the service reads', async () => {
      const sections = await configSectionsOf(serviceDir);
      const environment = Object.keys(service.environment ?? {});
      expect(requiredVariables(sections).length).toBeGreaterThan(0);
      expect(environment).toEqual(expect.arrayContaining(requiredVariables(sections)));
      expect(variableNames(sections)).toEqual(expect.arrayContaining(environment));
    });

    it('publishes and health-checks /healthz on the port it listens on', async () => {
      const port = effectiveValue(service, await configSectionsOf(serviceDir), 'PORT');
      for (const mapping of service.ports ?? []) expect(containerPort(mapping), `${name} ports`).toBe(port);
      expect(service.healthcheck?.test.join(' '), `${name} healthcheck`).toContain(`:${port}/healthz`);
    });

    it('waits longer than SHUTDOWN_GRACE_MS before killing it', async () => {
      const graceMs = Number(effectiveValue(service, await configSectionsOf(serviceDir), 'SHUTDOWN_GRACE_MS'));
      expect(durationMs(service.stop_grace_period ?? '10s')).toBeGreaterThan(graceMs);
    });
  });
});

describe('.env.example', () => {
  const lines = readFileSync(join(root, '.env.example'), 'utf8').split('\n');
  const listed = new Map(lines.map((line) => /^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));

  it.each(codeServices)('lists every variable %s reads', async (serviceDir) => {
    const missing = variableNames(await configSectionsOf(serviceDir)).filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it('leaves every secret empty', () => {
    const filled = [...listed].filter(([name, value]) => secretName.test(name) && value !== '');
    expect(filled).toEqual([]);
  });
});
