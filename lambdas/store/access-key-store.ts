import type { Sealed } from '../shared/crypto/sealer.js';

/** An access key Berth issued for unmodified ECR tooling; its secret is kept sealed. */
export interface AccessKeyRecord {
  accessKeyId: string;
  principalName: string;
  sealedSecret: Sealed;
  /** An identity policy (IAM JSON) that narrows what the key may do. */
  policyText?: string;
  createdAt: string;
}

export interface AccessKeyStore {
  putAccessKey(record: AccessKeyRecord): Promise<void>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** All keys, in key-ID order. */
  listAccessKeys(): Promise<AccessKeyRecord[]>;
  /** Returns false when no such key existed. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
}
