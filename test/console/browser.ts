import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { locateTool } from '../support/tools.js';

/** Debian's Chromium, driven by playwright-core, which downloads no browser of its own. */
export const chromiumTool = locateTool('chromium', 'apt-get install chromium', ['/usr/bin/chromium']);

/** Where the console tests save a screenshot of each page they visit (git-ignored). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/console/', import.meta.url));

const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

export function launchChromium(): Promise<Browser> {
  // No sandbox: test machines and CI containers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumTool.path!, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2.1 A and AA rules on the page as it is: no violation. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((result) => result.violations.map(({ id, help, nodes }) => ({ id, help, nodes: nodes.map(({ target }) => ({ target })) })))`);
  expect(violations.map(({ id, help, nodes }) => `${id}: ${help} (${nodes.map((node) => node.target.join(' ')).join(', ')})`)).toEqual([]);
}
