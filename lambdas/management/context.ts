import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { RegistryIdentity } from './identifiers.js';
import type { Input } from './validation.js';

/** Who made a request, as established by the request's signature. */
export interface Principal {
  /** An IAM ARN on AWS; the access key's principal name for keys Berth issued. */
  arn: string;
  accountId: string;
}

export interface ManagementServices {
  store: MetadataStore;
  blobs: BlobStore;
  identity: RegistryIdentity;
  now: () => Date;
  /** Lifetime of presigned layer download URLs. */
  downloadUrlSeconds: number;
}

export interface ActionContext {
  input: Input;
  principal: Principal;
  services: ManagementServices;
}

/** One ECR action: validated input in, the response shape out. */
export type Action = (context: ActionContext) => Promise<Record<string, unknown>>;
