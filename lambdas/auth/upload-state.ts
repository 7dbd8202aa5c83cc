import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { keyNamed, type TokenKeySource } from './token-keys.js';

/**
 * What an upload's state token allows: the rest of one upload session, in one
 * repository, for the caller who started it, until the session expires.
 */
export interface UploadGrant {
  repository: string;
  uploadId: string;
  principalArn: string;
  /** The ECR actions the caller held on the repository when the upload started. */
  actions: string[];
  expiresAt: Date;
}

/** Why a state token was refused. */
export class UploadStateError extends Error {
  override name = 'UploadStateError';
}

const ALGORITHM = 'HS256';

/**
 * Signed state tokens for upload Locations on the upload gateway. Clients do
 * not reliably send their registry credentials to another host (containerd
 * drops its authorizer when the Location's host changes), so the Location
 * itself carries the authorization, as distribution signs its `_state`.
 * Signed with the registry-token keys, but for another audience: a state
 * token is never a registry password, nor a registry token a state token.
 */
export class UploadStateTokens {
  private readonly audience: string;

  constructor(
    private readonly keys: TokenKeySource,
    private readonly registryHost: string,
    private readonly now: () => Date,
  ) {
    this.audience = `${registryHost}/uploads`;
  }

  async issue(grant: UploadGrant): Promise<string> {
    const { current } = await this.keys();
    return new SignJWT({ repo: grant.repository, upl: grant.uploadId, act: grant.actions })
      .setProtectedHeader({ alg: ALGORITHM, kid: current.kid })
      .setSubject(grant.principalArn)
      .setIssuer(this.registryHost)
      .setAudience(this.audience)
      .setExpirationTime(Math.floor(grant.expiresAt.getTime() / 1000))
      .sign(current.secret);
  }

  /** The grant, when the token is genuine, unexpired and for this upload of this repository. */
  async verify(token: string, repository: string, uploadId: string): Promise<UploadGrant> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new UploadStateError('the upload URL is not valid for this registry; use the Location the registry returned');
    }
    // Named, so that a cache that has not seen a rotation yet looks again.
    const keySet = await this.keys(kid);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, () => {
        const key = keyNamed(keySet, kid);
        if (!key) throw new UploadStateError('the upload URL was signed with a key this registry does not know; start the upload again');
        return key.secret;
      }, { algorithms: [ALGORITHM], issuer: this.registryHost, audience: this.audience, currentDate: this.now() }));
    } catch (error) {
      if (error instanceof UploadStateError) throw error;
      if (error instanceof errors.JWTExpired) throw new UploadStateError('the upload URL has expired; start the upload again');
      throw new UploadStateError('the upload URL is not valid for this registry; use the Location the registry returned');
    }
    const { sub, repo, upl, act, exp } = payload as JWTPayload & { repo?: unknown; upl?: unknown; act?: unknown };
    if (repo !== repository || upl !== uploadId) {
      throw new UploadStateError(`the upload URL was issued for another upload or repository than ${repository}`);
    }
    if (typeof sub !== 'string' || !Array.isArray(act) || typeof exp !== 'number') {
      throw new UploadStateError('the upload URL lacks its caller or actions');
    }
    return { repository, uploadId, principalArn: sub, actions: act.map(String), expiresAt: new Date(exp * 1000) };
  }
}
