import type { DynamoDocuments } from '../aws/dynamodb.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import type { CacheRuleRecord } from './cache-rule-store.js';
import { DynamoCacheRuleStore } from './dynamo-cache-rule-store.js';

/**
 * The cache rules as the registry's reads consult them. Every manifest and blob
 * read, and every push, asks whether a rule covers its repository; reading the
 * rules each time cost every registry a DynamoDB read per request, cache or not.
 * The list is remembered as repository policies are (BERTH_POLICY_CACHE_SECONDS),
 * so a rule created or deleted through another function instance applies here
 * within that time; a change through this instance, or (locally) through this
 * server, applies at once.
 */
export class RememberedCacheRules extends DynamoCacheRuleStore {
  private readonly remembered: ExpiringLru<CacheRuleRecord[]>;

  constructor(client: DynamoDocuments, table: string, rememberMs: number, changes?: (forget: () => void) => void, now: () => number = Date.now) {
    super(client, table);
    this.remembered = new ExpiringLru(1, rememberMs, now);
    changes?.(() => this.remembered.clear());
  }

  override listRules(): Promise<CacheRuleRecord[]> {
    return this.remembered.get('rules', () => super.listRules());
  }

  override async createRule(record: CacheRuleRecord): Promise<boolean> {
    return this.forgetAfter(super.createRule(record));
  }

  override async replaceRule(record: CacheRuleRecord): Promise<boolean> {
    return this.forgetAfter(super.replaceRule(record));
  }

  override async deleteRule(prefix: string): Promise<CacheRuleRecord | undefined> {
    return this.forgetAfter(super.deleteRule(prefix));
  }

  private async forgetAfter<T>(change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      this.remembered.clear();
    }
  }
}
