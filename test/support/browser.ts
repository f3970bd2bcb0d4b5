// Debian's Chromium driven by playwright-core for the dashboard's browser tests
// (no browser is downloaded: scripts/ci/install-system-packages.sh installs
// /usr/bin/chromium). The flags suit this closed machine: headless, no sandbox
// (CI runs as root), nothing that calls home, and a fresh empty profile each run.
// Where Chromium is missing, browserUnavailable() says why: under CI the tests
// fail with that reason; elsewhere they are skipped with a loud notice.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './server-process.js';

export const CHROMIUM_PATH = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of the main pages, kept by CI as artifacts (gitignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `${CHROMIUM_PATH} is missing: install Debian's chromium (scripts/ci/install-system-packages.sh)`;
}

export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab: its own sessionStorage, so its own sign-in. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a new empty profile (--user-data-dir, which playwright sets from the directory given). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'corral-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
