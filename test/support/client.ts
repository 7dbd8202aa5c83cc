import type { Blob, Image } from './oci.js';

/** Yields the Authorization header value to send, or undefined to call anonymously. */
export type Credentials = () => Promise<string | undefined>;

/** A thin OCI client over fetch, for driving the registry in tests. */
export class RegistryClient {
  constructor(
    readonly baseUrl: string,
    private readonly credentials: Credentials = async () => undefined,
  ) {}

  /** fetch with the client's credentials; redirects are returned, not followed. */
  async fetch(url: string, init: { method?: string; body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<Response> {
    const authorization = await this.credentials();
    const headers = { ...(authorization ? { authorization } : {}), ...init.headers };
    return fetch(url, { method: init.method ?? 'GET', body: init.body, headers, redirect: 'manual' });
  }

  request(method: string, path: string, init: { body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<Response> {
    return this.fetch(`${this.baseUrl}${path}`, { method, ...init });
  }

  /** Resolves a Location header against the registry. */
  url(location: string): string {
    return new URL(location, this.baseUrl).toString();
  }

  async pushBlob(repository: string, item: Blob): Promise<Response> {
    const response = await this.request('POST', `/v2/${repository}/blobs/uploads/?digest=${item.digest}`, {
      body: item.bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (response.status !== 201) throw new Error(`blob push failed: ${response.status} ${await response.text()}`);
    return response;
  }

  async pushManifest(repository: string, reference: string, manifest: Blob): Promise<Response> {
    return this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      body: manifest.bytes,
      headers: { 'content-type': manifest.mediaType },
    });
  }

  /** Pushes an image's config and layers, so that its manifest can be pushed. */
  async pushBlobs(repository: string, image: Image): Promise<void> {
    for (const item of [image.config, ...image.layers]) await this.pushBlob(repository, item);
  }

  /** Pushes an image's blobs and its manifest under `reference`. */
  async pushImage(repository: string, reference: string, image: Image): Promise<void> {
    await this.pushBlobs(repository, image);
    const response = await this.pushManifest(repository, reference, image.manifest);
    if (response.status !== 201) throw new Error(`manifest push failed: ${response.status} ${await response.text()}`);
  }

  /** A blob's bytes as a client pulls them: the registry's 307, then its Location, followed without credentials. */
  async downloadBlob(repository: string, digest: string): Promise<Buffer> {
    const redirect = await this.request('GET', `/v2/${repository}/blobs/${digest}`);
    if (redirect.status !== 307) throw new Error(`blob GET answered ${redirect.status}, not a redirect: ${await redirect.text()}`);
    const response = await fetch(redirect.headers.get('location')!);
    if (response.status !== 200) throw new Error(`the redirect's target answered ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  async startUpload(repository: string): Promise<string> {
    const response = await this.request('POST', `/v2/${repository}/blobs/uploads/`);
    if (response.status !== 202) throw new Error(`upload start failed: ${response.status} ${await response.text()}`);
    return this.url(response.headers.get('location')!);
  }
}

/** The `errors[].code` values of an OCI error response. */
export async function errorCodes(response: Response): Promise<string[]> {
  const body = (await response.json()) as { errors: { code: string }[] };
  return body.errors.map((error) => error.code);
}

export interface OciError {
  code: string;
  message: string;
  detail?: unknown;
}

/** The `errors` of an OCI error response, with messages and details. */
export async function errorList(response: Response): Promise<OciError[]> {
  const body = (await response.json()) as { errors: OciError[] };
  return body.errors;
}
