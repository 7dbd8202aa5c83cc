/**
 * A client of another registry's distribution API, for reading images from it:
 * anonymous, with a bearer token from the realm its WWW-Authenticate names
 * (Docker Hub, GHCR, Quay), or Basic. `berth copy` reads its source with it, and
 * the pull-through cache its upstreams.
 */

export interface UpstreamCredentials {
  username: string;
  password: string;
}

/** Why the registry would not let us in: what to tell the user is in the message. */
export type UpstreamAuthProblem = 'needs-credentials' | 'unknown-challenge' | 'token-refused' | 'no-token';

export class UpstreamAuthError extends Error {
  constructor(readonly problem: UpstreamAuthProblem, message: string, readonly withCredentials: boolean) {
    super(message);
    this.name = 'UpstreamAuthError';
  }
}

export interface UpstreamTarget {
  /** The API's base URL, such as https://registry-1.docker.io. */
  url: string;
  /** How the registry is named in messages (host[:port]). */
  host: string;
  repository: string;
}

export interface UpstreamGetOptions {
  /** HEAD asks what GET would answer, without its body. */
  method?: 'GET' | 'HEAD';
  signal?: AbortSignal;
  /** 'manual' answers a redirect itself (a blob's CDN URL) instead of following it. */
  redirect?: 'follow' | 'manual';
}

export class UpstreamRegistry {
  private authorization: string | undefined;

  constructor(
    readonly target: UpstreamTarget,
    private readonly credentials?: () => Promise<UpstreamCredentials>,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  private async basic(): Promise<string | undefined> {
    if (!this.credentials) return undefined;
    const { username, password } = await this.credentials();
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** A GET of a path under the repository (`/manifests/…`, `/blobs/…`) that authenticates as the registry asks on a 401. */
  async get(path: string, headers: Record<string, string> = {}, options: UpstreamGetOptions = {}): Promise<Response> {
    return this.request(`${this.target.url}/v2/${this.target.repository}${path}`, headers, options);
  }

  /** GET /v2/, authenticated for the repository: whether the credentials are accepted. */
  async ping(options: UpstreamGetOptions = {}): Promise<Response> {
    return this.request(`${this.target.url}/v2/`, {}, options);
  }

  private async request(url: string, headers: Record<string, string>, options: UpstreamGetOptions): Promise<Response> {
    const attempt = () => fetch(url, {
      method: options.method ?? 'GET',
      headers: { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.redirect ? { redirect: options.redirect } : {}),
    });
    let response = await attempt();
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate') ?? '';
      await response.body?.cancel();
      await this.authenticate(challenge);
      response = await attempt();
    }
    return response;
  }

  private async authenticate(challenge: string): Promise<void> {
    const { host, repository } = this.target;
    const scheme = challenge.split(' ')[0]?.toLowerCase();
    if (scheme !== 'basic' && scheme !== 'bearer') {
      throw new UpstreamAuthError('unknown-challenge', `${host} refused the request and asked for no known authentication (${challenge || 'no WWW-Authenticate'})`, this.hasCredentials);
    }
    const basic = await this.basic();
    if (scheme === 'basic') {
      if (!basic) throw new UpstreamAuthError('needs-credentials', `${host} needs credentials`, false);
      this.authorization = basic;
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]));
    if (!params.realm) throw new UpstreamAuthError('unknown-challenge', `${host} asked for a bearer token without a realm`, basic !== undefined);
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', `repository:${repository}:pull`);
    const response = await fetch(realm, { headers: basic ? { authorization: basic } : {} });
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamAuthError('token-refused', `the token service of ${host} refused ${basic ? 'the credentials' : 'an anonymous pull'} (HTTP ${response.status})`, basic !== undefined);
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new UpstreamAuthError('no-token', `the token service of ${host} answered no token`, basic !== undefined);
    this.authorization = `Bearer ${token}`;
  }
}
