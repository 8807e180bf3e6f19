import OpenAI from 'openai';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { waitFor } from '@pgw/testing';
import { repoRoot } from '../support/service-process';
import { seriousAccessibilityViolations } from './support/axe';
import { ensureChromium, launchChromium, type Browser } from './support/chromium';
import { EmbeddedProcess } from './support/embedded-process';

/**
 * The admin console in a real browser (Debian's Chromium, driven by playwright-core) against the real
 * embedded process: no mocked API, only the upstream LLM is the built-in mock of libs/testing.
 * The tests run in order and build on each other (one project, its key, its policy, its traffic).
 */
const SCREENSHOTS = resolve(repoRoot, 'tmp', 'console-screenshots');
const XSS_NAME = '<img src=x onerror="window.__pgwXss=1">';
const BAD_POLICY = {
  version: 1,
  rules: [
    {
      id: 'codenames',
      category: 'denylist.codenames',
      target: 'both',
      action: 'explode',
      terms: ['bluebird'],
    },
  ],
};

describe('admin console (browser)', () => {
  let embedded: EmbeddedProcess;
  let browser: Browser;
  let page: Page;
  let adminToken: string;
  let apiKey: string;
  const problems: string[] = [];

  const openai = (key: string) => new OpenAI({ baseURL: `${embedded.base}/v1`, apiKey: key, maxRetries: 0 });
  // max_tokens keeps the gateway's budget reservation (prompt estimate + max_tokens) small.
  const ask = (key: string, content: string) =>
    openai(key).chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 8,
      messages: [{ role: 'user', content }],
    });
  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${embedded.base}/admin/v1${path}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return (await response.json()) as T;
  };
  const go = async (view: string) => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view }).click();
    await page.getByRole('heading', { level: 2, name: view }).waitFor();
  };
  const dialog = () => page.getByRole('dialog');
  const choose = async (field: Locator, option: string) => {
    await field.click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };
  const snapshot = (name: string) =>
    page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
  const expectAccessible = async () => expect(await seriousAccessibilityViolations(page)).toEqual([]);

  // A fresh machine installs Debian's chromium here (apt-get can take minutes; the run itself does not).
  beforeAll(() => ensureChromium(), 600_000);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [embedded, browser] = await Promise.all([EmbeddedProcess.start(), launchChromium()]);
    adminToken = embedded.printed('admin token');
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // Any CSP refusal or uncaught error in the page fails the suite at the end.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await embedded?.stop();
  });

  it('npm start prints the console URL, served with a strict Content-Security-Policy', async () => {
    expect(embedded.printed('admin console')).toBe(`${embedded.base}/console`);
    const index = await fetch(`${embedded.base}/console`);
    expect(index.status).toBe(200);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${embedded.base}${script}`);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${embedded.base}/console/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('signs in with the admin token kept in session storage only, and refuses a wrong one', async () => {
    await page.goto(`${embedded.base}/console`);
    await expectAccessible();
    await page.getByLabel('Admin token').fill('adm_wrong-token-for-the-console-test');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByTestId('api-error');
    await expect(error.textContent()).resolves.toContain('forbidden');
    await snapshot('sign-in-error');

    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 2, name: 'Projects & keys' }).waitFor();
    expect(await page.evaluate(`sessionStorage.getItem('pgw.adminToken')`)).toBe(adminToken);
    expect(await page.evaluate(`localStorage.length`)).toBe(0);
    expect(await page.evaluate(`document.cookie`)).toBe('');
    expect(page.url()).not.toContain(adminToken);
  });

  it('creates and edits projects, renders a hostile name as text, creates a key shown once and revokes one', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    await dialog().getByLabel('Name').fill('console-e2e');
    await choose(dialog().getByRole('combobox', { name: 'Plan' }), 'enterprise');
    await dialog().getByRole('button', { name: 'Create project' }).click();
    await page.getByTestId('project-row').filter({ hasText: 'console-e2e' }).waitFor();

    await page.getByRole('button', { name: 'New project' }).click();
    await dialog().getByLabel('Name').fill(XSS_NAME);
    await dialog().getByRole('button', { name: 'Create project' }).click();
    const hostile = page.getByTestId('project-row').filter({ hasText: XSS_NAME });
    await hostile.waitFor();
    expect(await hostile.getByRole('button', { name: XSS_NAME }).textContent()).toBe(XSS_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate('window.__pgwXss')).toBeUndefined();

    // Edit: the hostile project stays on the free plan, with a budget of $1.
    await hostile.getByRole('button', { name: 'Edit' }).click();
    await dialog().getByLabel('Monthly budget (USD)').fill('1');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await hostile.getByText('$1.00').waitFor();

    const project = page.getByTestId('project-row').filter({ hasText: 'console-e2e' });
    await project.getByRole('button', { name: 'console-e2e' }).click();
    await page.getByRole('heading', { name: 'Keys of console-e2e' }).waitFor();
    await page.getByTestId('empty-state').filter({ hasText: 'No keys yet' }).waitFor();
    for (const name of ['app', 'to-revoke']) {
      await page.getByRole('main').getByRole('button', { name: 'Create key' }).click();
      await dialog().getByLabel('Key name').fill(name);
      await dialog().getByRole('button', { name: 'Create key' }).click();
      await dialog().waitFor({ state: 'hidden' });
      const created = page.getByTestId('created-key');
      await created.waitFor();
      expect(await created.textContent()).toContain('only time the key is shown');
      const key = (await page.getByTestId('created-key-value').textContent())?.trim() ?? '';
      expect(key).toMatch(/^pgw_/);
      if (name === 'app') apiKey = key;
      else {
        const completion = await waitFor(() => ask(key, 'hello').catch(() => null), {
          description: 'the new key to reach the gateway',
        });
        expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
        await page.getByRole('button', { name: 'I have stored it' }).click();
        // Once dismissed, the secret is nowhere on the page any more.
        expect(await page.content()).not.toContain(key);
        const row = page.getByTestId('key-row').filter({ hasText: 'to-revoke' });
        await row.getByRole('button', { name: 'Revoke' }).click();
        expect(await dialog().textContent()).toContain('cannot be undone');
        await dialog().getByRole('button', { name: 'Revoke key' }).click();
        await row.getByText('revoked').waitFor();
        await waitFor(
          () =>
            ask(key, 'hello').then(
              () => false,
              (error: { status?: number }) => error.status === 401,
            ),
          {
            description: 'the revoked key to be refused',
          },
        );
      }
    }
    await snapshot('projects-and-keys');
    await expectAccessible();
    // The app key works with the official OpenAI client.
    const completion = await waitFor(() => ask(apiKey, 'Say hello').catch(() => null), {
      description: 'the app key to reach the gateway',
    });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('writes a policy, shows a validation error at its path, dry-runs, activates and sees the block in the audit view', async () => {
    await go('Policies');
    // Every project starts on the default policy (revision 1); the editor opens on it.
    await page.getByTestId('revision-row').filter({ hasText: 'r1' }).first().waitFor();
    const editor = page.getByLabel('Policy config (JSON)');

    // r2 (r1 is the default policy every project starts with, which the editor opens on) as a 25% canary.
    await choose(page.getByRole('combobox', { name: 'Rollout mode' }), 'canary');
    await page.getByLabel('Canary %').fill('25');
    await page.getByLabel('Change message').fill('start with email redaction');
    await page.getByRole('button', { name: 'Save and activate' }).click();
    await dialog().getByRole('button', { name: 'Save and activate' }).click();
    await page.getByTestId('active-rollout').filter({ hasText: 'canary 25%' }).waitFor();

    // r3: a denylist with a wrong action: the error names the path and the editor line.
    await editor.fill(JSON.stringify(BAD_POLICY, null, 2));
    await choose(page.getByRole('combobox', { name: 'Rollout mode' }), 'enforce');
    await page.getByRole('button', { name: 'Validate' }).click();
    expect(await page.getByTestId('error-param').textContent()).toBe('config.rules[0].action');
    expect(await page.getByTestId('error-line').textContent()).toContain('"action": "explode"');
    await snapshot('policy-validation-error');
    await editor.fill(JSON.stringify(BAD_POLICY, null, 2).replace('explode', 'block'));
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByTestId('policy-valid').waitFor();

    await page.getByLabel('Sample prompt or completion').fill('tell me about bluebird');
    await page.getByRole('button', { name: 'Run dry run' }).click();
    const result = page.getByTestId('dry-run-result');
    await result.waitFor();
    expect(await page.getByTestId('dry-run-decision').textContent()).toBe('block');
    expect(await result.textContent()).toContain('denylist.codenames');

    await page.getByLabel('Change message').fill('block codenames');
    await page.getByRole('button', { name: 'Save and activate' }).click();
    await dialog().getByRole('button', { name: 'Save and activate' }).click();
    await page.getByTestId('active-rollout').filter({ hasText: 'enforce' }).waitFor();
    expect(await page.getByTestId('revision-row').count()).toBe(3);
    expect(await page.getByTestId('revision-diff').locator('[data-diff="added"]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('bluebird')]),
    );
    await snapshot('policies');
    await expectAccessible();

    const blocked = await waitFor(
      () =>
        ask(apiKey, 'what is project bluebird?').then(
          () => null,
          (error: { status?: number }) => error,
        ),
      { description: 'the new policy to block the prompt' },
    );
    expect(blocked.status).toBe(403);

    await go('Audit');
    const blockRow = page.getByTestId('decision-row').filter({ hasText: 'block' });
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await blockRow.count()) > 0;
      },
      { description: 'the blocked request in the audit view' },
    );
    expect(await blockRow.first().getByTestId('decision-categories').textContent()).toBe(
      'denylist.codenames',
    );
    await page.getByTestId('audit-charts').waitFor();
  });

  it('filters the audit log, exports CSV, signs an attestation and pages with cursors', async () => {
    await choose(page.getByRole('combobox', { name: 'Decision' }), 'block');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => {
      const decisions = await page.getByTestId('decision-row').allTextContents();
      return decisions.length > 0 && decisions.every((text) => text.includes('block'));
    });
    await snapshot('audit');
    await expectAccessible();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(csv[0]).toBe(
      'event_id,created_at,project_id,request_id,decision,reason_code,triggered_categories,rollout_mode,enforced,policy_id,policy_user,policy_project_id,policy_target,allowlist_hits,denylist_hits,model',
    );
    const rows = csv.slice(1).map((line) => line.split(','));
    const api = await admin<{ data: { event_id: string }[] }>(
      `/audit/decisions?limit=500&project_id=${rows[0]?.[2]}`,
    );
    expect(rows.map((row) => row[0]).sort()).toEqual(api.data.map((row) => row.event_id).sort());
    const blockedRow = rows.find((row) => row[4] === 'block');
    expect(blockedRow?.[6]).toBe('denylist.codenames');
    expect(blockedRow?.[12]).toBe('input');

    await page.getByRole('button', { name: 'Create signed attestation' }).click();
    expect(await page.getByTestId('attestation').textContent()).toContain(`${rows.length} rows`);

    // Cursor paging, 10 rows a page: more traffic first, so that the log has more than one page.
    await Promise.all(Array.from({ length: 6 }, () => ask(apiKey, 'hello again')));
    const projectId = rows[0]?.[2];
    await waitFor(
      async () =>
        (await admin<{ data: unknown[] }>(`/audit/decisions?limit=500&project_id=${projectId}`)).data.length >
        12,
      { description: 'more than 12 decisions in the log' },
    );
    await page.getByRole('button', { name: 'Clear' }).click();
    await choose(page.getByRole('combobox', { name: 'Rows per page' }), '10 rows');
    const shownIds = async () => {
      const rowsShown = page.getByTestId('decision-row');
      const ids: string[] = [];
      for (let index = 0; index < (await rowsShown.count()); index++) {
        ids.push((await rowsShown.nth(index).getAttribute('data-event-id')) ?? '');
      }
      return ids;
    };
    const firstPage = await waitFor(async () => {
      const ids = await shownIds();
      return ids.length === 10 ? ids : null;
    });
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    const secondPage = await waitFor(async () => {
      const ids = await shownIds();
      return ids.length > 0 && ids[0] !== firstPage[0] ? ids : null;
    });
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    // Newest first: UUIDv7 ids sort by time, so the second page is older than the first.
    expect(secondPage[0]! < firstPage[9]!).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 1').waitFor();
    expect(await waitFor(async () => ((await shownIds())[0] === firstPage[0] ? true : null))).toBe(true);

    // The free-plan project shows its plan-gated state instead of an error.
    await choose(page.getByRole('combobox', { name: 'Project' }), XSS_NAME);
    const gated = page.getByTestId('plan-gated');
    await gated.first().waitFor();
    expect(await gated.count()).toBe(2);
    expect(await gated.first().textContent()).toContain('free');
    await choose(page.getByRole('combobox', { name: 'Project' }), 'console-e2e');
  });

  it('rolls a policy back and the blocked prompt passes again', async () => {
    await go('Policies');
    const first = page.getByTestId('revision-row').filter({ hasText: 'r2' }).first();
    await first.getByRole('button', { name: 'Roll back' }).click();
    await dialog().getByRole('button', { name: 'Roll back' }).click();
    await page.getByTestId('active-rollout').filter({ hasText: 'canary 25%' }).waitFor();
    expect(
      await page.getByTestId('revision-row').filter({ hasText: 'rollback to r2' }).count(),
    ).toBeGreaterThan(0);
    const answer = await waitFor(() => ask(apiKey, 'what is project bluebird?').catch(() => null), {
      description: 'the rolled-back policy to let the prompt through',
    });
    expect(answer.choices[0]?.message.content).toEqual(expect.any(String));
  });

  it('sets a budget, watches it fill, lowers it to exhausted (then 429); adds a price override', async () => {
    await go('Usage & budgets');
    const spent = page.getByTestId('budget-spent');
    await spent.waitFor();
    const projectId = (
      await admin<{ data: { id: string; name: string }[] }>('/projects?limit=500')
    ).data.find((project) => project.name === 'console-e2e')?.id;
    const budgetApi = () => admin<{ spent_micros: number }>(`/billing/projects/${projectId}/budget`);
    const status = page.getByTestId('budget-status');
    const setBudget = async (micros: number) => {
      await page.getByLabel('Monthly budget (USD)').fill((micros / 1e6).toFixed(6));
      await page.getByRole('button', { name: 'Set budget' }).click();
      await status.getByText(`of $${(micros / 1e6).toFixed(6).replace(/0+$/, '')}`).waitFor();
    };
    // A budget with room ($0.10 more than spent): requests fill it, and the view shows the spend grow.
    await setBudget((await budgetApi()).spent_micros + 100_000);
    const before = await spent.textContent();
    await waitFor(
      async () => {
        await ask(apiKey, 'spend some budget please');
        await page.getByRole('button', { name: 'Refresh budget' }).click();
        return (await spent.textContent()) !== before;
      },
      { timeoutMs: 30_000, description: 'the spend to grow in the view' },
    );
    expect(await status.getByRole('progressbar').count()).toBe(1);
    // Down to exactly what is spent: billing marks it exhausted, the view says so, the gateway refuses.
    const spentNow = await waitFor(async () => {
      const first = (await budgetApi()).spent_micros;
      return first > 0 && first === (await budgetApi()).spent_micros ? first : null;
    });
    await setBudget(spentNow);
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh budget' }).click();
        return (await status.textContent())?.includes('exhausted');
      },
      { description: 'the view to show the budget exhausted' },
    );
    const refused = await waitFor(
      () =>
        ask(apiKey, 'one more').then(
          () => null,
          (error: { status?: number }) => error,
        ),
      {
        description: 'the gateway to refuse the exhausted budget',
      },
    );
    expect(refused.status).toBe(429);
    await page.getByRole('button', { name: 'Refresh usage' }).click();
    await page.getByTestId('usage-by-model').getByText('gpt-4o-mini').waitFor();
    expect(await page.getByTestId('usage-totals').textContent()).toMatch(/Requests \d+/);

    await page.getByLabel('Model (or *)').fill('gpt-4o');
    await page.getByLabel('USD per 1M tokens').fill('2.5');
    await page.getByRole('button', { name: 'Add price' }).click();
    await page.getByRole('table', { name: 'Price overrides' }).getByText('$2.50').waitFor();
    await snapshot('usage');
    await expectAccessible();
  });

  it('fits a narrow window, and signs out', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    for (const view of ['Projects & keys', 'Policies', 'Audit', 'Usage & budgets']) {
      await go(view);
      await page.getByRole('heading', { level: 3 }).first().waitFor();
      const [scrollWidth, width] = (await page.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as number[];
      expect(scrollWidth).toBeLessThanOrEqual(width!);
      await snapshot(`narrow-${view.split(' ')[0]!.toLowerCase()}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    expect(await page.evaluate(`sessionStorage.length`)).toBe(0);
    expect(problems).toEqual([]);
  });
});
