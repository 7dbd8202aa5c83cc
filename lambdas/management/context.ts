import type { RegistryEvents } from '../events/registry-events.js';
import type { Deliverer } from '../webhooks/deliverer.js';
import type { ConsoleSignIns } from '../console/sign-ins.js';
import type { UpstreamSecrets } from '../pull-through/upstream-secrets.js';
import type { CacheRuleStore } from '../store/cache-rule-store.js';
import type { GarbageCollector } from '../gc/garbage-collector.js';
import type { AccessKeys } from './auth/access-keys.js';
import type { DirectUploads } from './direct-uploads.js';
import type { LoginTokenSettings } from './login-tokens.js';
import type { BlobStore } from '../store/blob-store.js';
import type { LifecyclePreviewStore } from '../store/lifecycle-preview-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { TemplateStore } from '../store/template-store.js';
import type { RegistryIdentity } from './identifiers.js';
import type { Input } from './validation.js';

/** Who made a request, as established by the request's signature. */
export interface Principal {
  /** An IAM ARN on AWS; a pseudo-user ARN (user/berth/<name>) for keys Berth issued. */
  arn: string;
  accountId: string;
  /** Set when the request was signed with a key Berth issued, with the key's own policy. */
  issuedKey?: { accessKeyId: string; policyText?: string };
}

export interface ManagementServices {
  store: MetadataStore;
  blobs: BlobStore;
  identity: RegistryIdentity;
  now: () => Date;
  /** Lifetime of presigned layer download URLs. */
  downloadUrlSeconds: number;
  accessKeys: AccessKeys;
  templates: TemplateStore;
  login: LoginTokenSettings;
  /** Pushing to a missing repository creates it (ECR's CREATE_ON_PUSH). */
  createOnPush: boolean;
  directUploads: DirectUploads;
  /** Runs and previews garbage collection (Berth_V1.CollectGarbage). */
  garbageCollector: GarbageCollector;
  /** Pull-through cache rules, and where their upstream credentials are read. */
  cacheRules: CacheRuleStore;
  upstreamSecrets: UpstreamSecrets;
  /** Lifecycle policy previews, each answered for this long after it was made. */
  lifecyclePreviews: LifecyclePreviewStore;
  lifecyclePreviewSeconds: number;
  /** One-time sign-in links to the web console. */
  consoleSignIns: ConsoleSignIns;
  /** Announces the changes actions make (pushes, deletes, repositories created and deleted). */
  events: RegistryEvents;
  /** Webhook subscriptions (in its store) and test deliveries. */
  webhooks: Deliverer;
}

export interface ActionContext {
  input: Input;
  principal: Principal;
  services: ManagementServices;
}

/** One ECR action: validated input in, the response shape out. */
export type Action = (context: ActionContext) => Promise<Record<string, unknown>>;
