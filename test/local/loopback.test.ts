import { describe, expect, inject, it } from 'vitest';
import { useRegistry } from '../support/registry.js';
import { isLoopback, listeningSockets } from './listening-sockets.js';

/**
 * Local mode serves nothing beyond this machine: DynamoDB Local and local S3 take any
 * credentials, so they listen on the loopback interface only, as the registry does.
 */

const registry = useRegistry();

describe.runIf(process.platform === 'linux')('local services on loopback', () => {
  it('binds DynamoDB Local, local S3 and the registry to 127.0.0.1 only', () => {
    const ports = {
      'DynamoDB Local': Number(new URL(inject('dynamoEndpoint')).port),
      'local S3': Number(new URL(inject('s3Endpoint')).port),
      registry: registry().port,
    };
    const sockets = listeningSockets();
    for (const [service, port] of Object.entries(ports)) {
      const bound = sockets.filter((socket) => socket.port === port).map((socket) => socket.address);
      expect(bound, service).not.toEqual([]);
      expect(bound.filter((address) => !isLoopback(address)), service).toEqual([]);
    }
  });
});
