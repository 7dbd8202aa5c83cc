import type { Command } from '../command.js';
import { ACCESS_KEY_COMMANDS } from './access-keys.js';
import { CACHE_RULE_COMMANDS } from './cache-rule.js';
import { CONSOLE_COMMANDS } from './console.js';
import { GC_COMMANDS } from './gc.js';
import { IMAGE_COMMANDS } from './images.js';
import { LOGIN_COMMANDS } from './login.js';
import { MUTABILITY_COMMANDS } from './mutability.js';
import { PUSH_COMMANDS } from './push.js';
import { POLICY_COMMANDS } from './policy.js';
import { REPOSITORY_COMMANDS } from './repository.js';
import { RESOURCE_TAG_COMMANDS } from './resource-tags.js';
import { WEBHOOK_COMMANDS } from './webhook.js';

/** Every command, in the order `berth --help` lists them. */
export const COMMANDS: readonly Command[] = [
  ...LOGIN_COMMANDS,
  ...REPOSITORY_COMMANDS,
  ...RESOURCE_TAG_COMMANDS,
  ...IMAGE_COMMANDS,
  ...PUSH_COMMANDS,
  ...MUTABILITY_COMMANDS,
  ...POLICY_COMMANDS,
  ...ACCESS_KEY_COMMANDS,
  ...GC_COMMANDS,
  ...CONSOLE_COMMANDS,
  ...WEBHOOK_COMMANDS,
  ...CACHE_RULE_COMMANDS,
];
