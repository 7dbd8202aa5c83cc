import { beforeEach, expect } from 'vitest';

// A test that checks nothing would pass silently: every test must make at least one assertion.
// (The global expect counts the assertions of tests run one at a time, as every file here runs them.)
beforeEach(() => {
  expect.hasAssertions();
});
