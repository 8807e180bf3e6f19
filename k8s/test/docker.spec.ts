// The container artefacts, checked without a Docker engine: docker/Dockerfile lints clean with
// dockerfile-utils (maintained; hadolint is not packaged for Debian bookworm) and has the expected shape, the runtime image's `npm ci --omit=dev` covers what the apps
// load, the build context allow-list covers what the Dockerfile copies, and docker/compose.yml parses with
// the services, env, healthchecks and start order expected.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAppConfig, type AppConfig } from './support/app-config';
import { runtimePackages } from './support/imports';
import { parseYaml } from './support/render';
import {
  DATABASE_SERVICES,
  IMAGE_PORTS,
  SECRET_NAME,
  SERVICE_PORTS,
  SERVICES,
  readRepoFile,
  repoFileExists,
  repoPath,
  type Service,
} from './support/workspace';

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  let current: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (current === undefined && (line === '' || line.startsWith('#'))) return;
    if (current !== undefined && line.startsWith('#')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    current = current
      ? { line: current.line, text: `${current.text} ${body}` }
      : { line: index + 1, text: body };
    if (!continued) {
      const [keyword, ...rest] = current.text.trim().split(/\s+/);
      result.push({ line: current.line, keyword: keyword.toUpperCase(), args: rest.join(' ') });
      current = undefined;
    }
  });
  return result;
}

const dockerfile = readRepoFile('docker', 'Dockerfile');
const steps = instructions(dockerfile);
const stages = steps.reduce<Instruction[][]>((acc, step) => {
  if (step.keyword === 'FROM') acc.push([]);
  acc[acc.length - 1]?.push(step);
  return acc;
}, []);
const runtime = stages[stages.length - 1];

describe('docker/Dockerfile', () => {
  /** dockerfile-utils' diagnostics (the linter behind the VS Code Docker language server). */
  function lint(path: string): { message: string; severity: number }[] {
    const run = spawnSync(repoPath('node_modules', '.bin', 'dockerfile-utils'), ['lint', '-j', path], {
      encoding: 'utf8',
    });
    return JSON.parse(run.stdout) as { message: string; severity: number }[];
  }

  it('lints clean with dockerfile-utils, which does report a broken Dockerfile', () => {
    expect(lint(repoPath('docker', 'Dockerfile'))).toEqual([]);
    const broken = join(mkdtempSync(join(tmpdir(), 'pgw-lint-')), 'Dockerfile');
    writeFileSync(
      broken,
      'FROM node:24-bookworm-slim\nEXPOSE http\nHEALTHCHECK --interval=abc CMD true\nUSER\n',
    );
    expect(lint(broken).length).toBeGreaterThanOrEqual(3);
  });

  it('is multi-stage: npm ci + npm run build, then a runtime with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = steps.filter((s) => s.keyword === 'RUN').map((s) => s.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npm run build');
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
  });

  it('every stage is a maintained Node LTS (24) image pinned by version tag and digest, the same in all stages', () => {
    const bases = stages.map((stage) => stage[0].args.split(/\s+/)[0]);
    for (const base of bases) expect(base).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(new Set(bases).size).toBe(1);
  });

  it('runs tini as PID 1 (signals forwarded to node, zombies reaped), installed from a pinned Debian package', () => {
    const entrypoint = runtime.filter((s) => s.keyword === 'ENTRYPOINT').pop()?.args ?? '';
    expect(JSON.parse(entrypoint)).toEqual(['/usr/bin/tini', '--']);
    const install =
      runtime.find((s) => s.keyword === 'RUN' && s.args.includes('apt-get install'))?.args ?? '';
    expect(install).toMatch(/--no-install-recommends tini=\S+/);
    expect(install).toContain('rm -rf /var/lib/apt/lists/*');
  });

  it('copies only dist, production node_modules, package.json and the topic script into the runtime stage', () => {
    const copies = runtime.filter((s) => s.keyword === 'COPY').map((s) => s.args.split(/\s+/));
    const sources = copies.map((args) =>
      args
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1)
        .join(' '),
    );
    expect(sources.sort()).toEqual(
      ['/src/dist', '/src/node_modules', 'package.json', 'scripts/kafka/ensure-topics.js'].sort(),
    );
  });

  it('runs as a non-root user, exposes ${PORT}, checks /healthz with node, and starts the selected app', () => {
    const user = runtime.filter((s) => s.keyword === 'USER').pop()?.args ?? '';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).toMatch(/^(10001|node)(:\w+)?$/);
    expect(runtime.filter((s) => s.keyword === 'EXPOSE').map((s) => s.args)).toEqual(['${PORT}']);
    const healthcheck = runtime.find((s) => s.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/CMD \["node", "-e", /);
    expect(healthcheck).toContain("path:'/healthz'");
    expect(healthcheck).toContain('port:process.env.PORT');
    const cmd = runtime.filter((s) => s.keyword === 'CMD').pop()?.args ?? '';
    expect(JSON.parse(cmd)).toEqual(['node', 'main.js']);
    const guard = runtime.find((s) => s.keyword === 'RUN' && s.args.includes('ln -s'))?.args ?? '';
    expect(guard).toContain('ln -s "dist/apps/${APP}/src/main.js" main.js');
  });

  it('accepts exactly the app/port pairs of the services (APP and PORT build args)', () => {
    const guard = runtime.find((s) => s.keyword === 'RUN' && s.args.includes('case'))?.args ?? '';
    const pairs =
      /case "\$\{APP\}:\$\{PORT\}" in\s+([^)]+)\)/
        .exec(guard)?.[1]
        .split('|')
        .map((p) => p.trim()) ?? [];
    expect(pairs.sort()).toEqual(
      Object.entries(IMAGE_PORTS)
        .map(([app, port]) => `${app}:${port}`)
        .sort(),
    );
    expect(runtime.find((s) => s.keyword === 'ARG' && s.args.startsWith('APP='))?.args).toBe('APP=gateway');
    expect(runtime.find((s) => s.keyword === 'ARG' && s.args.startsWith('PORT='))?.args).toBe('PORT=8080');
  });

  it('listens on all interfaces (embedded mode would default to 127.0.0.1)', () => {
    const env = runtime
      .filter((s) => s.keyword === 'ENV')
      .map((s) => s.args)
      .join(' ');
    expect(env).toMatch(/(^|\s)HOST=0\.0\.0\.0(\s|$)/);
    expect(env).toMatch(/(^|\s)PORT=\$\{PORT\}(\s|$)/);
  });

  it('limits glibc to two malloc arenas (RSS under load; bench/gateway README)', () => {
    const env = runtime
      .filter((s) => s.keyword === 'ENV')
      .map((s) => s.args)
      .join(' ');
    expect(env).toMatch(/(^|\s)MALLOC_ARENA_MAX=2(\s|$)/);
  });

  it('points ensure-topics.js at the compiled topics.json (swc --copy-files puts it in dist)', () => {
    expect(dockerfile).toContain('KAFKA_TOPICS_FILE=/app/dist/libs/contracts/src/topics.json');
    expect(repoFileExists('libs', 'contracts', 'src', 'topics.json')).toBe(true);
    expect(readRepoFile('scripts', 'build.mjs')).toContain('--copy-files');
    expect(readRepoFile('scripts', 'kafka', 'ensure-topics.js')).toContain('process.env.KAFKA_TOPICS_FILE');
  });

  it('the build context allow-list (docker/Dockerfile.dockerignore) covers every COPY from the context', () => {
    const ignore = readRepoFile('docker', 'Dockerfile.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const contextSources = steps
      .filter((s) => s.keyword === 'COPY' && !s.args.includes('--from='))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    for (const source of contextSources) {
      const clean = source.replace(/\/$/, '');
      expect({ source, allowed: allowed.some((a) => clean === a || clean.startsWith(`${a}/`)) }).toEqual({
        source,
        allowed: true,
      });
      expect(repoFileExists(clean)).toBe(true);
    }
  });
});

describe('runtime dependencies (the image installs with npm ci --omit=dev)', () => {
  const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string> };
  const apps = [...SERVICES, 'embedded'];
  for (const app of apps) {
    if (!repoFileExists('apps', app, 'src', 'main.ts')) {
      it.todo(`${app}: apps/${app}/src/main.ts does not exist yet`);
      continue;
    }
    it(`${app}: every package its main.ts loads at run time is a production dependency`, () => {
      const packages = runtimePackages(repoPath('apps', app, 'src', 'main.ts'));
      const devOnly = [...packages]
        .filter(([name]) => pkg.dependencies[name] === undefined)
        .map(([n, f]) => `${n} (${f})`);
      expect(devOnly).toEqual([]);
    });
  }
  it('ensure-topics.js needs only kafkajs, a production dependency', () => {
    const required = [
      ...readRepoFile('scripts', 'kafka', 'ensure-topics.js').matchAll(/require\('([^']+)'\)/g),
    ]
      .map((m) => m[1])
      .filter((name) => !name.startsWith('.') && !['path', 'fs'].includes(name) && !name.startsWith('node:'));
    expect(required.filter((name) => pkg.dependencies[name] === undefined)).toEqual([]);
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  cap_drop?: string[];
  restart?: string;
}

describe('docker/compose.yml', () => {
  const compose = parseYaml(readRepoFile('docker', 'compose.yml')) as {
    services: Record<string, ComposeService>;
  };
  const services = compose.services;
  const configs = new Map<Service, AppConfig | undefined>(SERVICES.map((s) => [s, readAppConfig(s)]));

  it('parses, with Kafka (KRaft), Postgres 15, Redis, the topic job and the four services', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['kafka', 'postgres', 'redis', 'kafka-topics', ...SERVICES].sort(),
    );
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.postgres.image).toMatch(/^postgres:15/);
    expect(services.redis.image).toMatch(/^redis:/);
  });

  it('infrastructure has healthchecks; the topic job runs ensure-topics.js once Kafka is healthy', () => {
    for (const name of ['kafka', 'postgres', 'redis'])
      expect(services[name].healthcheck?.test.length).toBeGreaterThan(0);
    const topics = services['kafka-topics'];
    expect(topics.command).toEqual(['node', 'scripts/kafka/ensure-topics.js']);
    expect(topics.depends_on?.kafka.condition).toBe('service_healthy');
    expect(topics.restart).toBe('no');
  });

  describe.each(SERVICES)('%s', (service) => {
    const port = SERVICE_PORTS[service];
    const svc = services[service];

    it('builds docker/Dockerfile from the repository root with its APP and PORT', () => {
      expect(svc.build).toMatchObject({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(svc.build?.args).toEqual({ APP: service, PORT: String(port) });
      expect(String(svc.environment?.PORT)).toBe(String(port));
    });

    it('is healthchecked on /readyz and starts after its dependencies are healthy / done', () => {
      expect(svc.healthcheck?.test.join(' ')).toContain("path:'/readyz'");
      expect(svc.depends_on?.['kafka-topics'].condition).toBe('service_completed_successfully');
      if (DATABASE_SERVICES.includes(service))
        expect(svc.depends_on?.postgres.condition).toBe('service_healthy');
      if (service === 'gateway') expect(svc.depends_on?.redis.condition).toBe('service_healthy');
    });

    it('runs hardened; admin APIs are published on 127.0.0.1 only', () => {
      expect(svc.read_only).toBe(true);
      expect(svc.cap_drop).toEqual(['ALL']);
      for (const mapping of svc.ports ?? []) {
        if (service === 'gateway') expect(mapping).toBe(`${port}:${port}`);
        else expect(mapping).toBe(`127.0.0.1:${port}:${port}`);
      }
    });

    it('takes secret values from docker/.env (interpolation), never literals', () => {
      for (const [name, value] of Object.entries(svc.environment ?? {})) {
        const secret = SECRET_NAME.test(name) || configs.get(service)?.vars.get(name)?.secret === true;
        if (secret)
          expect({ name, interpolated: /\$\{[A-Z_]+/.test(String(value)) }).toEqual({
            name,
            interpolated: true,
          });
      }
    });

    const config = configs.get(service);
    if (!config) {
      it.todo(
        `${service}: compose env vs config class (apps/${service}/src/${service}.config.ts does not exist yet)`,
      );
      return;
    }
    it('provides every required variable of the config class and no unknown one', () => {
      const env = Object.keys(svc.environment ?? {});
      const required = [...config.vars.values()].filter((v) => v.required).map((v) => v.name);
      expect(required.filter((name) => !env.includes(name))).toEqual([]);
      expect(env.filter((name) => !config.vars.has(name))).toEqual([]);
    });
  });

  it('Postgres password comes from docker/.env; docker/.env is git-ignored and documented by .env.example', () => {
    expect(String(services.postgres.environment?.POSTGRES_PASSWORD)).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(readRepoFile('docker', '.gitignore')).toMatch(/^\.env$/m);
    const example = readRepoFile('docker', '.env.example');
    const used = new Set(
      [...readRepoFile('docker', 'compose.yml').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]),
    );
    for (const name of used)
      expect({ name, documented: example.includes(`${name}=`) }).toEqual({ name, documented: true });
  });
});
