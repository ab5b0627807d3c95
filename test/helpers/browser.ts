// Debian's chromium driven by playwright-core, started the way this machine needs (no sandbox as root, no
// background network calls to hosts it cannot reach).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loginCookie, startPlatform, type TestPlatform } from './platform.ts';
import { loadDemo } from '../../src/demo/load.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A desktop-sized page already signed in as the workspace owner (session cookie), in its own browser. */
export async function signedInPage(t: TestPlatform): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const [name, value] = (await loginCookie(t)).split('=');
  await context.addCookies([{ name, value, url: t.url }]);
  return { browser, page: await context.newPage() };
}

/** A platform on embedded PGlite with a small demo brand, and a page signed in to its console. */
export async function demoConsole(demo: { customers: number; seed: number }): Promise<{ t: TestPlatform; browser: Browser; page: Page; close(): Promise<void> }> {
  const t = await startPlatform('pglite');
  await loadDemo(t.platform.ctx, { ...demo, workspaceId: t.ws.id });
  const { browser, page } = await signedInPage(t);
  return {
    t, browser, page,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

const SHOTS = path.join(os.tmpdir(), 'siyu-shots');

/** Where a test leaves a screenshot for people to look at. */
export function screenshot(name: string): string {
  fs.mkdirSync(SHOTS, { recursive: true });
  return path.join(SHOTS, name);
}
