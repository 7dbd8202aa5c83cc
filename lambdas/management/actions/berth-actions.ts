import { createConsoleSignIn } from '../../console/sign-in-action.js';
import type { Action } from '../context.js';
import { createAccessKey, deleteAccessKey, listAccessKeys } from './access-keys.js';
import { completeBlobUpload, initiateBlobUpload } from './direct-uploads.js';
import { collectGarbage } from './garbage-collection.js';
import { WEBHOOK_ACTIONS } from './webhooks.js';

/** Berth's own actions, by their X-Amz-Target name under BERTH_TARGET_PREFIX. */
export const BERTH_ACTIONS: Record<string, Action> = {
  CreateAccessKey: createAccessKey,
  ListAccessKeys: listAccessKeys,
  DeleteAccessKey: deleteAccessKey,
  InitiateBlobUpload: initiateBlobUpload,
  CompleteBlobUpload: completeBlobUpload,
  CollectGarbage: collectGarbage,
  ...WEBHOOK_ACTIONS,
  CreateConsoleSignIn: createConsoleSignIn,
};
