/**
 * The console API as the page calls it: the session, and ECR's actions
 * forwarded to the management API as the signed-in principal. A refusal
 * arrives as the API's own error, whose message the page shows as is.
 */

const ECR_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export interface Session {
  principalArn: string;
  accountId: string;
  csrfToken: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status: number) {
    super(message);
  }
}

let csrfToken = '';

async function call(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, ...headers },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  return answer(response);
}

async function answer(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    // Answered below, without a message of the API's.
  }
  if (!response.ok) {
    const type = String(parsed.__type ?? 'Error').split('#').pop()!;
    throw new ApiError(type, typeof parsed.message === 'string' ? parsed.message : `the console answered ${response.status}`, response.status);
  }
  return parsed;
}

function remember(session: Record<string, unknown>): Session {
  csrfToken = String(session.csrfToken);
  return session as unknown as Session;
}

export async function currentSession(): Promise<Session | undefined> {
  const response = await fetch('api/session', { credentials: 'same-origin' });
  if (response.status === 401) return undefined;
  return remember(await answer(response));
}

export async function signIn(code: string): Promise<Session> {
  return remember(await call('session', { code }));
}

export async function signOut(): Promise<void> {
  await call('sign-out', {});
}

/** One ECR action, e.g. ecr('DescribeRepositories', {}). */
export function ecr<T = Record<string, unknown>>(action: string, input: Record<string, unknown>): Promise<T> {
  return call('ecr', input, { 'x-amz-target': `${ECR_PREFIX}${action}` }) as Promise<T>;
}

/** Every page of a paginated ECR action, its `key` list joined. */
export async function allPages<T>(action: string, input: Record<string, unknown>, key: string): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr(action, { ...input, ...(nextToken ? { nextToken } : {}) });
    items.push(...((page[key] as T[] | undefined) ?? []));
    nextToken = page.nextToken as string | undefined;
  } while (nextToken);
  return items;
}

export function imageConfig(repositoryName: string, digest: string): Promise<Record<string, unknown>> {
  return call('image-config', { repositoryName, digest });
}

export interface PreviewResult {
  imageDigest: string;
  /** Absent for an untagged image, as ECR answers. */
  imageTags?: string[];
  imagePushedAt: number;
  appliedRulePriority: number;
}

/**
 * What a lifecycle policy would expire if it ran now, through ECR's StartLifecyclePolicyPreview
 * and every page of GetLifecyclePolicyPreview; without text, the saved policy's.
 */
export async function lifecyclePreview(repositoryName: string, lifecyclePolicyText: string | undefined): Promise<PreviewResult[]> {
  await ecr('StartLifecyclePolicyPreview', { repositoryName, ...(lifecyclePolicyText === undefined ? {} : { lifecyclePolicyText }) });
  return allPages<PreviewResult>('GetLifecyclePolicyPreview', { repositoryName }, 'previewResults');
}
