import { wholeNumber } from '../shared/env-values.js';

/**
 * BERTH_LIFECYCLE_PREVIEW_SECONDS: how long GetLifecyclePolicyPreview answers with a preview
 * after StartLifecyclePolicyPreview made it; then LifecyclePolicyPreviewNotFoundException.
 */
export const DEFAULT_LIFECYCLE_PREVIEW_SECONDS = 24 * 3600;

export function lifecyclePreviewSeconds(env: Record<string, string | undefined>): number {
  return wholeNumber(env, 'BERTH_LIFECYCLE_PREVIEW_SECONDS', DEFAULT_LIFECYCLE_PREVIEW_SECONDS, 60, 30 * 24 * 3600, 'seconds');
}
