import { randomBytes } from 'node:crypto';
import { principalArn, type ArnOwner } from '../../shared/arns.js';
import type { AccessKeyRecord, AccessKeyStore } from '../../store/access-key-store.js';
import type { Sealer } from '../../shared/crypto/sealer.js';
import type { Principal } from '../context.js';
import type { KnownCredential } from './sigv4-verifier.js';

/** IAM's user-name characters: issued keys stand for pseudo-users with such names. */
export const PRINCIPAL_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

export interface IssuedKey {
  accessKeyId: string;
  secretAccessKey: string;
  record: AccessKeyRecord;
}

/** The ARN an issued key acts as, usable in repository policies' Principal. */
export function issuedPrincipalArn(owner: ArnOwner, principalName: string): string {
  return principalArn(owner, `user/berth/${principalName}`);
}

/**
 * Access keys Berth issues to tooling that signs for the service `ecr`, which
 * API Gateway cannot verify. Secrets are sealed at rest and opened only to
 * check a signature.
 */
export class AccessKeys {
  constructor(
    private readonly store: AccessKeyStore,
    private readonly sealer: Sealer,
    private readonly owner: ArnOwner,
    private readonly now: () => Date,
  ) {}

  async create(principalName: string, policyText: string | undefined): Promise<IssuedKey> {
    const accessKeyId = `BKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const record: AccessKeyRecord = {
      accessKeyId,
      principalName,
      sealedSecret: this.sealer.seal(secretAccessKey, accessKeyId),
      ...(policyText === undefined ? {} : { policyText }),
      createdAt: this.now().toISOString(),
    };
    await this.store.putAccessKey(record);
    return { accessKeyId, secretAccessKey, record };
  }

  list(): Promise<AccessKeyRecord[]> {
    return this.store.listAccessKeys();
  }

  /** Registry tokens obtained with the key name it, so the registry refuses them once it is gone. */
  delete(accessKeyId: string): Promise<boolean> {
    return this.store.deleteAccessKey(accessKeyId);
  }

  /** The credential a signature by this key must match, or undefined for an unknown key. */
  async resolve(accessKeyId: string): Promise<KnownCredential | undefined> {
    const record = await this.store.getAccessKey(accessKeyId);
    if (!record) return undefined;
    const principal: Principal = {
      arn: issuedPrincipalArn(this.owner, record.principalName),
      accountId: this.owner.accountId,
      issuedKey: { accessKeyId, ...(record.policyText === undefined ? {} : { policyText: record.policyText }) },
    };
    return { secretAccessKey: this.sealer.open(record.sealedSecret, accessKeyId), principal };
  }
}
