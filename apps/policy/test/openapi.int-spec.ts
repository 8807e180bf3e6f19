import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { InProcessEventBus } from '@pgw/messaging';
import { buildPolicyOpenApiDocument } from '@pgw/policy-server';
import { createTestDatabase } from '@pgw/testing';
import { PolicyAppModule } from '../src/app.module';

/**
 * docs/openapi/policy.json is the committed admin API contract. This test fails when the code and the
 * file disagree; `PGW_WRITE_OPENAPI=1 npx jest apps/policy/test/openapi` rewrites the file.
 */
const ROOT = join(__dirname, '../../..');
const FILE = join(ROOT, 'docs/openapi/policy.json');
const PRETTIER = join(ROOT, 'node_modules/.bin/prettier');

async function generate(): Promise<string> {
  // The app needs a reachable database to start (PGlite does not load under Jest); nothing is written to it.
  const db = await createTestDatabase('openapi');
  const app = await NestFactory.create<NestFastifyApplication>(
    PolicyAppModule.forRoot(
      {
        database: { kind: 'postgres', url: db.url },
        adminToken: 'openapi-generation-token',
        runMigrations: false,
      },
      new InProcessEventBus(),
    ),
    new FastifyAdapter(),
    { logger: ['error'], abortOnError: false },
  );
  try {
    const json = JSON.stringify(buildPolicyOpenApiDocument(app), null, 2);
    // Formatted like the repo's Prettier check expects (Prettier's API needs ESM loading Jest lacks).
    return execFileSync(PRETTIER, ['--stdin-filepath', FILE], { input: json, encoding: 'utf8' });
  } finally {
    await app.close();
    await db.drop();
  }
}

describe('policy admin OpenAPI document', () => {
  it('docs/openapi/policy.json is up to date with the code', async () => {
    const generated = await generate();
    if (process.env.PGW_WRITE_OPENAPI === '1') await writeFile(FILE, generated);
    const committed = await readFile(FILE, 'utf8').catch(() => '');
    expect(committed).toBe(generated);
    const document = JSON.parse(generated);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/admin/v1/projects',
        '/admin/v1/projects/{projectId}',
        '/admin/v1/projects/{projectId}/keys',
        '/admin/v1/projects/{projectId}/keys/{keyId}/revoke',
        '/admin/v1/projects/{projectId}/policies',
        '/admin/v1/projects/{projectId}/policies/active',
        '/admin/v1/projects/{projectId}/policies/{revision}/activate',
        '/admin/v1/projects/{projectId}/policies/rollback',
        '/admin/v1/projects/{projectId}/policies/dry-run',
        '/admin/v1/projects/{projectId}/history',
        '/admin/v1/plans',
      ]),
    );
    expect(Object.keys(document.paths).some((path) => path.includes('healthz'))).toBe(false);
  });
});
