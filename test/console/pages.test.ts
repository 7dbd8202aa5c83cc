import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeOciLayout } from '../support/oci-layout.js';
import { basicAuth, useRegistry } from '../support/registry.js';
import { describeWith, locateTool, runTool } from '../support/tools.js';
import { chromiumTool, expectAccessible, launchChromium, screenshot } from './browser.js';
import { describedImage, imageFixture, indexFixture, sbomFixture, type Fixture } from './fixtures.js';
import { consoleEcr, pullOnlyKey, signedIn, signInLinkFor } from './support.js';

/**
 * The console in Debian's Chromium: images pushed with skopeo, then found,
 * opened, deleted and tagged in the pages, settings edited, a pull-only
 * principal refused; every page passes axe and is saved as a screenshot.
 */

const skopeo = locateTool('skopeo', 'apt-get install skopeo');
const v0 = imageFixture('v0', describedImage('web', [2000]));
const v1 = imageFixture('v1', describedImage('web', [3000, 5000]));
const v2 = imageFixture('v2', describedImage('web', [4000]));
const multi = indexFixture('multi', 'web');
const sbom = sbomFixture('sbom', v1.manifest);
const cli = imageFixture('1.0', describedImage('cli', [1000]));

/** axe is added to each page as an inline script, which the console's CSP would refuse. */
const CONTEXT = { bypassCSP: true };
/** Below the test's timeout, so that a wait that fails says for what. */
const WAIT_MS = 10_000;
const short = (fixture: Fixture) => fixture.manifest.digest.slice('sha256:'.length, 'sha256:'.length + 12);

describeWith([chromiumTool, skopeo], 'web console in a browser', () => {
  const registry = useRegistry();
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let work: string;

  async function push(fixture: Fixture, repository: string): Promise<void> {
    const creds = Buffer.from((await basicAuth(registry())).slice('Basic '.length), 'base64').toString('utf8');
    const target = `docker://${new URL(registry().url).host}/${repository}:${fixture.ref}`;
    const result = await runTool(skopeo.path!, ['--insecure-policy', 'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${work}:${fixture.ref}`, target]);
    if (result.code !== 0) throw new Error(`skopeo exited with ${result.code}: ${result.stderr.toString()}`);
  }

  /** Digests left in a repository, as the management API lists them. */
  async function digestsIn(repositoryName: string): Promise<string[]> {
    const session = await signedIn(registry(), await registry().consoleSignIn().then((link) => link.signInUrl));
    const answer = (await (await consoleEcr(registry(), session, 'ListImages', { repositoryName })).json()) as { imageIds: { imageDigest: string }[] };
    return answer.imageIds.map((id) => id.imageDigest);
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-console-'));
    const fixtures = [v0, v1, v2, multi, sbom, cli];
    writeOciLayout(work, fixtures.map(({ ref, manifest }) => ({ name: ref, manifest })), fixtures.flatMap((fixture) => fixture.content));
    // One after another: the lifecycle preview below expires the oldest of v0, v1 and v2.
    for (const fixture of [v0, v1, v2, multi, sbom]) await push(fixture, 'shop/web');
    await push(cli, 'tools/cli');
    browser = await launchChromium();
    admin = await browser.newContext(CONTEXT);
    admin.setDefaultTimeout(WAIT_MS);
    page = await admin.newPage();
    // The link npm start prints for the local administrator.
    await page.goto((await registry().consoleSignIn()).signInUrl);
    await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finds the pushed images, opens one, and shows storage; every page passes axe', async () => {
    const rows = page.locator('tbody tr');
    await page.getByRole('link', { name: 'shop/web' }).waitFor();
    expect(await rows.count()).toBe(2);
    // v0, v1, v2, the index and its two images, the SBOM.
    await expect.poll(() => page.getByRole('row', { name: /shop\/web/ }).innerText()).toMatch(/shop\/web\s+7\s+[\d.]+ KiB/);
    await page.getByLabel('Search repositories').fill('tools');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('tools/cli');
    await page.getByLabel('Search repositories').fill('');
    await expectAccessible(page);
    await screenshot(page, 'repositories');

    // With the keyboard: focus the link, press Enter.
    await page.getByRole('link', { name: 'shop/web' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'shop/web', level: 1 }).waitFor();
    const v1Row = page.getByRole('row', { name: new RegExp(`Image ${short(v1)}`) });
    await v1Row.waitFor();
    expect(await v1Row.innerText()).toContain(`docker pull ${new URL(registry().url).host}/shop/web:v1`);
    expect(await v1Row.innerText()).toContain('Referrer: SBOM (application/spdx+json)');
    expect(await page.getByRole('row', { name: new RegExp(`Image ${short(multi)}`) }).innerText()).toContain('Platforms: linux/amd64, linux/arm64');
    await expectAccessible(page);
    await screenshot(page, 'repository');

    await page.getByRole('link', { name: `Image ${short(v1)}` }).click();
    await page.getByRole('heading', { name: `Image ${short(v1)} in shop/web` }).waitFor();
    const layers = page.getByRole('region', { name: 'Layers' });
    await layers.waitFor();
    expect(await layers.locator('tbody tr').count()).toBe(2);
    const config = await page.getByRole('region', { name: 'Config' }).innerText();
    for (const shown of ['["/usr/bin/web"]', 'APP_NAME=web', 'org.opencontainers.image.title', '2026-01-02T03:04:05Z', 'COPY layer-1 /']) expect(config).toContain(shown);
    expect(await page.getByRole('region', { name: 'Manifest' }).innerText()).toContain(v1.content[1]!.digest);
    await expectAccessible(page);
    await screenshot(page, 'image');

    await page.getByRole('link', { name: 'Storage' }).click();
    await page.getByRole('img', { name: 'Bar chart of storage by repository' }).waitFor();
    expect(await page.getByRole('table', { name: 'Storage by repository' }).locator('tbody tr').first().innerText()).toContain('shop/web');
    await expectAccessible(page);
    await screenshot(page, 'storage');
  });

  it('deletes an image with the keyboard, adds a tag, and edits a resource tag and the lifecycle policy', async () => {
    await page.goto(`${registry().url}/console/#/repository?name=shop/web`);
    await page.getByRole('row', { name: new RegExp(`Image ${short(v2)}`) }).getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    // The confirmation takes the focus: Enter again confirms.
    await expect.poll(() => page.locator('button:focus').innerText()).toBe('Yes, delete');
    await page.keyboard.press('Enter');
    await page.getByText(`Deleted the image of ${short(v2)}.`).waitFor();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(`Image ${short(v2)}`) }).count()).toBe(0);
    expect(await digestsIn('shop/web')).not.toContain(v2.manifest.digest);

    await page.getByLabel(`New tag for ${short(v1)}`).fill('stable');
    await page.getByRole('row', { name: new RegExp(`Image ${short(v1)}`) }).getByRole('button', { name: 'Add tag' }).click();
    await page.getByRole('button', { name: 'Remove tag stable' }).waitFor();

    await page.getByLabel('Key').fill('team');
    await page.getByLabel('Value').fill('payments');
    await page.getByRole('button', { name: 'Set resource tag' }).click();
    await page.getByRole('button', { name: 'Remove resource tag team' }).waitFor();

    const lifecycle = page.getByRole('region', { name: 'Lifecycle policy' });
    const text = lifecycle.getByLabel('Lifecycle policy (JSON)');
    const rule = (selection: Record<string, unknown>) => JSON.stringify({
      rules: [{ rulePriority: 1, description: 'keep the newest v image', selection, action: { type: 'expire' } }],
    });
    await text.fill(rule({ tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan' }));
    await lifecycle.getByRole('button', { name: 'Save lifecycle policy' }).click();
    // The API's validation error, in place under the text.
    const error = lifecycle.getByRole('alert');
    expect(await error.innerText()).toContain('Lifecycle policy validation failure');
    expect(await text.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page);
    await screenshot(page, 'repository-validation-error');

    // The preview takes the text as it stands, unsaved: its validation error shows in the same place.
    await text.fill(rule({ tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 0 }));
    await lifecycle.getByRole('button', { name: 'Preview what this policy would expire' }).click();
    await expect.poll(() => error.innerText()).toContain('countNumber must be a positive integer');
    expect(await text.getAttribute('aria-invalid')).toBe('true');
    await text.fill(rule({ tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }));
    await lifecycle.getByRole('button', { name: 'Preview what this policy would expire' }).click();
    await lifecycle.getByText('The policy would expire 1 image now:').waitFor();
    expect(await lifecycle.getByRole('listitem').innerText()).toContain(`${short(v0)} (v0)`);
    expect(await lifecycle.getByRole('listitem').innerText()).toContain('by rule 1');
    expect(await text.getAttribute('aria-invalid')).toBe('false');
    await expectAccessible(page);
    await screenshot(page, 'repository-lifecycle-preview');
    expect(await digestsIn('shop/web')).toContain(v0.manifest.digest);
    await lifecycle.getByRole('button', { name: 'Save lifecycle policy' }).click();
    await lifecycle.getByText('Lifecycle policy saved.').waitFor();

    const session = await signedIn(registry(), (await registry().consoleSignIn()).signInUrl);
    const repository = registry().identity;
    const tags = await (await consoleEcr(registry(), session, 'ListTagsForResource', { resourceArn: `arn:aws:ecr:${repository.region}:${repository.accountId}:repository/shop/web` })).json();
    expect(tags).toEqual({ tags: [{ Key: 'team', Value: 'payments' }] });
    const policy = (await (await consoleEcr(registry(), session, 'GetLifecyclePolicy', { repositoryName: 'shop/web' })).json()) as { lifecyclePolicyText: string };
    expect(JSON.parse(policy.lifecyclePolicyText).rules[0].selection.countNumber).toBe(1);
  });

  it('shows a pull-only principal the API\'s refusal, and deletes nothing', async () => {
    const key = await pullOnlyKey(registry(), 'viewer');
    const context = await browser.newContext(CONTEXT);
    context.setDefaultTimeout(WAIT_MS);
    try {
      const viewer = await context.newPage();
      await viewer.goto(await signInLinkFor(registry(), key));
      await viewer.getByText(/Signed in as .*user\/berth\/viewer/).waitFor();
      await viewer.getByRole('link', { name: 'shop/web' }).click();
      await viewer.getByRole('row', { name: new RegExp(`Image ${short(v1)}`) }).getByRole('button', { name: 'Delete' }).click();
      await viewer.getByRole('button', { name: 'Yes, delete' }).click();
      const refusal = viewer.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.innerText()).toMatch(/user\/berth\/viewer is not authorized to perform: ecr:BatchDeleteImage on resource: .*repository\/shop\/web/);
      await expectAccessible(viewer);
      await screenshot(viewer, 'refusal');
      expect(await digestsIn('shop/web')).toContain(v1.manifest.digest);
    } finally {
      await context.close();
    }
  });
});
