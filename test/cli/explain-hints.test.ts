import { describe, expect, it } from 'vitest';
import { explainError } from '../../cli/explain.js';
import { resolveRegistry } from '../../cli/registry.js';

/** The hints `berth` prints under a failure that it can say what to do about. */

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
}

describe('hints', () => {
  it('names PORT and --registry when nothing answers on the local default port', () => {
    expect(explainError(refused(), { registry: resolveRegistry(undefined, {}) })).toEqual({
      name: 'ECONNREFUSED',
      message: 'could not connect to http://127.0.0.1:5000',
      hint: 'is the local registry running? start it with: npm start (PORT=N npm start serves on port N); for one that runs on another port, add --registry http://127.0.0.1:PORT',
    });
  });

  it('names the port npm start would need for another local port, and the host as given', () => {
    expect(explainError(refused(), { registry: resolveRegistry('http://localhost:5123', {}) }).hint)
      .toBe('is the local registry running? start it with: PORT=5123 npm start; for one that runs on another port, add --registry http://localhost:PORT');
  });

  it('sends a remote registry\'s users to its URL', () => {
    expect(explainError(refused(), { registry: resolveRegistry('https://registry.example.com', {}) }).hint)
      .toBe('check the registry URL (--registry or BERTH_REGISTRY)');
  });
});
