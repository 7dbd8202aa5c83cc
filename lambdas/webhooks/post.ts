/** How one POST to a receiver went: answered (any status), or not at all. */
export interface PostResult {
  status?: number;
  error?: string;
}

export type Poster = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<PostResult>;

/**
 * POSTs a delivery. Redirects are not followed (a receiver that moved answers 3xx, a
 * failure the deliveries list shows); a receiver silent past `timeoutMs` is given up on.
 */
export const postDelivery: Poster = async (url, body, headers, timeoutMs) => {
  try {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError') return { error: `no answer within ${timeoutMs} ms` };
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { error: cause };
  }
};

export function isDelivered(result: PostResult): boolean {
  return result.status !== undefined && result.status >= 200 && result.status < 300;
}
