import type { RunningRegistry } from '../../local/berth-server.js';
import { send, signedManagementRequest, type SigningOptions } from '../support/signed.js';

/** A one-time sign-in link from Berth_V1.CreateConsoleSignIn, as `berth console` asks for it (signed for execute-api at /iam unless told). */
export async function signInLink(registry: RunningRegistry, options: SigningOptions = { service: 'execute-api', path: '/iam' }): Promise<string> {
  const response = await send(await signedManagementRequest(registry, 'Berth_V1.CreateConsoleSignIn', {}, options));
  if (response.status !== 200) throw new Error(`CreateConsoleSignIn answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { signInUrl: string }).signInUrl;
}

export function codeOf(link: string): string {
  return new URL(link).hash.replace(/^#sign-in=/, '');
}

export interface SignedInSession {
  cookie: string;
  setCookie: string;
  csrfToken: string;
  principalArn: string;
}

/** Exchanges a link's code as the console's page does. */
export function exchange(registry: RunningRegistry, code: string): Promise<Response> {
  return fetch(`${registry.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
}

export async function signedIn(registry: RunningRegistry, link: string): Promise<SignedInSession> {
  const response = await exchange(registry, codeOf(link));
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  const setCookie = response.headers.get('set-cookie')!;
  const body = (await response.json()) as { csrfToken: string; principalArn: string };
  return { setCookie, cookie: setCookie.split(';')[0]!, csrfToken: body.csrfToken, principalArn: body.principalArn };
}

/** An ECR action through the console API, as the page sends it. */
export function consoleEcr(registry: RunningRegistry, session: Pick<SignedInSession, 'cookie' | 'csrfToken'>, action: string, input: unknown): Promise<Response> {
  return fetch(`${registry.url}/console/api/ecr`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${action}`,
    },
    body: JSON.stringify(input),
  });
}

/** What a pull-only principal may do: read images and settings, change nothing. */
export const PULL_ONLY_POLICY = {
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Action: [
      'ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:ListImages', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer',
      'ecr:BatchCheckLayerAvailability', 'ecr:ListTagsForResource', 'ecr:GetRepositoryPolicy', 'ecr:GetLifecyclePolicy',
    ],
    Resource: '*',
  }],
};

/** Issues a key held to PULL_ONLY_POLICY and returns its credentials. */
export async function pullOnlyKey(registry: RunningRegistry, principalName: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const response = await send(await signedManagementRequest(registry, 'Berth_V1.CreateAccessKey',
    { principalName, policyText: JSON.stringify(PULL_ONLY_POLICY) }, { service: 'execute-api', path: '/iam' }));
  if (response.status !== 200) throw new Error(`CreateAccessKey answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { accessKey: { accessKeyId: string; secretAccessKey: string } }).accessKey;
}

/** A sign-in link for an issued key's principal, asked for as ECR tooling signs (service ecr, at /). */
export async function signInLinkFor(registry: RunningRegistry, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
  return signInLink(registry, { credentials, service: 'ecr', path: '/' });
}
