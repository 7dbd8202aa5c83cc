import { expect, it } from 'vitest';
import { useInProcessBerth } from '../support/in-process-berth.js';
import { administratorArn, useRegistry } from '../support/registry.js';
import { signedIn } from './support.js';

/** `berth console`, run in-process as the administrator: the link it prints signs the browser in as the caller. */

const registry = useRegistry();
const berth = useInProcessBerth(registry);
it('berth console prints a one-time sign-in link for the caller', async () => {
  const { code, stdout } = await berth(['console']);
  expect(code).toBe(0);
  const link = /^\s+(http\S+)$/m.exec(stdout)?.[1];
  expect(link).toMatch(new RegExp(`^${registry().url}/console/#sign-in=`));
  expect(stdout).toMatch(/Link expires:\s+\d{4}-\d\d-\d\dT/);
  expect((await signedIn(registry(), link!)).principalArn).toBe(administratorArn(registry()));
});
