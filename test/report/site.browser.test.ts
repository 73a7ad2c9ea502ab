/**
 * `conveyor site` on a registry with several versions, opened from disk in real headless Chromium (Debian's
 * chromium, driven by playwright-core): the versions table lists every version with its aliases, every chart
 * draws an SVG with marks, no console errors or failed requests, and a screenshot for people to look at
 * (test-results/site.png, test-results/site-version.png). .ci/run installs chromium; without it the test is skipped
 * with the reason printed, as the container tests are without Docker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/registry/index.ts';
import { type ScratchRepo, scratchRepo } from './scratch-repo.ts';

const CHROMIUM = '/usr/bin/chromium';
// As measured on these machines: without the background-networking flags Chromium keeps dialling Google's hosts.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const screenshots = resolve('test-results');
const unavailable = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`;
if (unavailable) console.warn(`skipping the registry site browser test: ${unavailable}`);

let repo: ScratchRepo;
let browser: Browser;
let site: string;

beforeAll(async () => {
  if (unavailable) return;
  repo = scratchRepo();
  const lenient = { validation: { model: { tolerance: 1, slice_tolerance: 1 } } };
  for (const [name, trainer] of [
    ['a', { algorithm: 'gbdt', params: { n_trees: 20, threads: 1 } }],
    ['b', { algorithm: 'linear', params: {} }],
    ['c', { algorithm: 'gbdt', params: { n_trees: 5, threads: 1 } }],
  ] as const) {
    const { error } = await repo.run(name, { ...lenient, trainer });
    expect(error).toBeUndefined();
  }
  const registry = createRegistry(
    { backend: 'local', path: 'models', promote_on_register: [], github: {} },
    { USER: 'tester' },
    { cwd: repo.dir },
  );
  await registry.setAlias('penguins', 'staging', '2', { actor: 'tester', reason: 'canary' });
  await registry.rollback('penguins', 'production', { actor: 'tester', reason: 'v3 is worse' });
  mkdirSync(join(repo.dir, 'monitor'));
  writeFileSync(
    join(repo.dir, 'monitor', '2026-12-01T00-00-00-000Z.json'),
    JSON.stringify({
      retrain: true,
      severity: 'critical',
      reasons: ['input drift: 4 of 6 columns drifted'],
      model: { name: 'penguins', version: 2, ref: 'production' },
      created_at: '2026-12-01T00:00:00.000Z',
    }),
  );
  const built = spawnSync(
    process.execPath,
    [resolve('bin/conveyor.js'), 'site', 'public', '--config', 'a.yml', '--json'],
    {
      cwd: repo.dir,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTIONS: '' },
    },
  );
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
  expect(JSON.parse(built.stdout)).toMatchObject({
    ok: true,
    versions: 3,
    pages: ['index.html', 'penguins/v1.html', 'penguins/v2.html', 'penguins/v3.html'],
  });
  site = join(repo.dir, 'public');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  repo?.remove();
});

/** Open a page from disk, recording console errors, page errors and failed requests. */
async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('request', (request) => {
    if (!request.url().startsWith('file://')) problems.push(`network request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, problems };
}

/** Count of mark elements (paths, rects, symbols, text) inside each chart's SVG. */
async function marksPerChart(page: Page): Promise<Record<string, number>> {
  return page.$$eval('figure.chart', (figures) =>
    Object.fromEntries(
      figures.map((f) => [
        f.id,
        f.querySelectorAll('svg g[class*="mark-"] path, svg g[class*="mark-"] rect, svg g[class*="mark-"] line').length,
      ]),
    ),
  );
}

describe.skipIf(unavailable !== undefined)('registry site in Chromium', () => {
  it('lists every version with its aliases, the history and the monitor verdict, and draws the metric chart', async () => {
    const { page, problems } = await open(join(site, 'index.html'));
    const rows = await page.$$eval('table.versions tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
    );
    expect(rows.map((r) => r[0])).toEqual(['v3', 'v2', 'v1']);
    expect(rows[1]![1]).toBe('production staging');
    const text = await page.textContent('main');
    expect(text).toContain('v3 is worse');
    expect(text).toContain('input drift: 4 of 6 columns drifted');
    const marks = await marksPerChart(page);
    expect(Object.keys(marks)).toEqual(['chart-metric-penguins']);
    expect(marks['chart-metric-penguins']).toBeGreaterThan(3);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'site.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('opens a version page from the table: its report charts draw, its card is there', async () => {
    const { page, problems } = await open(join(site, 'index.html'));
    await page.click('table.versions a[href="penguins/v2.html"]');
    await page.waitForURL(/v2\.html$/);
    expect(await page.textContent('h1')).toContain('penguins v2');
    const marks = await marksPerChart(page);
    expect(Object.keys(marks).sort()).toEqual(['chart-confusion-matrix', 'chart-feature-importance']);
    for (const count of Object.values(marks)) expect(count).toBeGreaterThan(2);
    expect(await page.textContent('#card + details')).toContain('"run_key"');
    await page.screenshot({ path: join(screenshots, 'site-version.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
