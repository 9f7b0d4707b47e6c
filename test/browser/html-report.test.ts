/**
 * Issue 15.2: the HTML report in a real browser. Debian's chromium (/usr/bin/chromium; `.ci/run`
 * installs it) driven by playwright-core, no browser download. The page must load with no console
 * error, render every diagram to SVG, and its trace player must step forward and back through a
 * saved trace. Screenshots go to test-artifacts/ (ignored by git), kept for a reader to look at.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { run } from '../cli/helpers.ts';
import { ROOT } from '../../src/registry.ts';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTEFACTS = join(ROOT, 'test-artifacts');
const dir = mkdtempSync(join(tmpdir(), 'fencecheck-html-'));
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(ARTEFACTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report --html in headless Chromium', () => {
  test('renders every diagram with no console error; the player steps through a trace', async () => {
    const r = await run(
      'report',
      '--html',
      dir,
      '--design',
      'single-fifo-no-tdr',
      '--engine',
      'exhaustive',
      '--no-metrics',
      '--quiet',
    );
    expect(r.err).toBe('');
    expect(r.out).toMatch(/wrote .*index\.html/);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // no network: every request must be a file under the report directory
    const remote: string[] = [];
    page.on('request', (q) => {
      if (!q.url().startsWith('file:')) remote.push(q.url());
    });
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    await page.waitForSelector('body[data-rendered="yes"]', { timeout: 90_000 });
    const diagrams = await page.locator('pre.mermaid').count();
    expect(diagrams).toBeGreaterThan(10);
    expect(await page.locator('pre.mermaid svg').count()).toBe(diagrams);
    expect(await page.locator('td.cell').count()).toBeGreaterThan(3);

    const player = page.locator('.player').first();
    await player.locator('.graph svg').waitFor({ timeout: 30_000 });
    expect(await player.getAttribute('data-step')).toBe('0');
    const objects0 = await player.locator('.objects').textContent();
    await player.locator('button.next').click();
    await page.waitForFunction(() => document.querySelector('.player')?.getAttribute('data-step') === '1');
    await player.locator('button.next').click();
    await page.waitForFunction(() => document.querySelector('.player')?.getAttribute('data-step') === '2');
    expect(await player.locator('.objects').textContent()).not.toBe(objects0);
    await player.locator('button.prev').click();
    await page.waitForFunction(() => document.querySelector('.player')?.getAttribute('data-step') === '1');
    expect(await player.locator('.step-label').textContent()).toMatch(/^1\. /);

    await page
      .locator('section.violation')
      .first()
      .screenshot({ path: join(ARTEFACTS, 'html-violation.png') });
    await page
      .locator('section.machine')
      .first()
      .screenshot({ path: join(ARTEFACTS, 'html-machine.png') });
    expect(errors).toEqual([]);
    expect(remote).toEqual([]);
  }, 240_000);
});
