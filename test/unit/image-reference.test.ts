import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { parseImageReference } from '../../cli/transfer/remote.js';

/** The references berth copy reads, named as docker and skopeo name them. */

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('image references for berth copy', () => {
  it('reads a name with no registry as a Docker Hub repository, official images under library/', () => {
    expect(parseImageReference('docker://alpine:3.20')).toEqual({ host: 'docker.io', hostGiven: false, url: 'https://registry-1.docker.io', repository: 'library/alpine', tag: '3.20' });
    expect(parseImageReference('docker.io/library/alpine')).toEqual({ host: 'docker.io', hostGiven: true, url: 'https://registry-1.docker.io', repository: 'library/alpine' });
    expect(parseImageReference('bitnami/redis:7')).toMatchObject({ url: 'https://registry-1.docker.io', repository: 'bitnami/redis', tag: '7' });
    expect(parseImageReference('index.docker.io/nginx')).toMatchObject({ url: 'https://registry-1.docker.io', repository: 'library/nginx' });
  });

  it('takes a first component with a dot or a port, or localhost, as the registry', () => {
    expect(parseImageReference(`ghcr.io/org/tool@${DIGEST}`)).toEqual({ host: 'ghcr.io', hostGiven: true, url: 'https://ghcr.io', repository: 'org/tool', digest: DIGEST });
    expect(parseImageReference('registry.example.com:8443/team/app:v1')).toMatchObject({ url: 'https://registry.example.com:8443', repository: 'team/app', tag: 'v1' });
    expect(parseImageReference('localhost/app')).toMatchObject({ host: 'localhost', repository: 'app' });
  });

  it('speaks plain HTTP to this machine only, unless told otherwise', () => {
    expect(parseImageReference('localhost:5000/app:1').url).toBe('http://localhost:5000');
    expect(parseImageReference('127.0.0.5:5000/app:1').url).toBe('http://127.0.0.5:5000');
    expect(parseImageReference('10.0.0.5:5000/app:1').url).toBe('https://10.0.0.5:5000');
    expect(parseImageReference('http://10.0.0.5:5000/app:1').url).toBe('http://10.0.0.5:5000');
  });

  it('refuses what is no image reference, with what it expected', () => {
    expect(() => parseImageReference('team/app:1:2')).toThrow(UsageError);
    expect(() => parseImageReference('ghcr.io/team//app')).toThrow("'ghcr.io/team//app' is not an image reference like registry.example.com/repo:tag");
    expect(() => parseImageReference('ghcr.io/Team/App:1')).toThrow("repository names are lowercase: 'Team/App' in 'ghcr.io/Team/App:1' is not one; write 'team/app'");
    expect(() => parseImageReference('ghcr.io/org/tool:-bad')).toThrow("'-bad' is not a valid tag");
    expect(() => parseImageReference('ghcr.io/org/tool@sha256:short')).toThrow("'sha256:short' is not a sha256 digest");
  });
});
