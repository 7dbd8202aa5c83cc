import { parseManifest, sha256Digest, type ParsedManifest } from '../registry/manifest.js';
import { MANIFEST_MEDIA_TYPES } from '../registry/media-types.js';
import type { UpstreamRegistry } from '../shared/upstream/registry-client.js';
import type { FetchedManifest } from './held-manifests.js';
import { fromUpstream, refusal, UpstreamError } from './upstream-errors.js';

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

export type ParsedFetch = FetchedManifest & { parsed: ParsedManifest };

function where(upstream: UpstreamRegistry): string {
  return `${upstream.target.host}/${upstream.target.repository}`;
}

/** One manifest from the upstream, byte for byte, checked against the digest it was asked by. */
export async function fetchManifest(upstream: UpstreamRegistry, reference: string): Promise<ParsedFetch> {
  return fromUpstream(upstream.target.host, async () => {
    const response = await upstream.get(`/manifests/${reference}`, { accept: ACCEPT });
    if (!response.ok) throw await refusal(response, where(upstream), `manifest ${reference}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new UpstreamError('unavailable', `${where(upstream)} answered manifest ${reference} with bytes of digest ${digest}`);
    }
    const parsed = parseManifest(bytes, response.headers.get('content-type')?.split(';')[0]?.trim());
    return { digest, mediaType: parsed.mediaType, bytes, parsed };
  });
}

/** An index with every manifest it lists (children first, the top last), or one image manifest. */
export async function fetchImage(upstream: UpstreamRegistry, reference: string): Promise<ParsedFetch[]> {
  const top = await fetchManifest(upstream, reference);
  const children: ParsedFetch[] = [];
  for (const child of top.parsed.children) children.push(...await fetchImage(upstream, child.digest));
  return [...children, top];
}

/** The digest the upstream's tag names now, from a HEAD (which Docker Hub does not count as a pull); undefined when it does not say. */
export async function upstreamDigest(upstream: UpstreamRegistry, tag: string): Promise<string | undefined> {
  return fromUpstream(upstream.target.host, async () => {
    const response = await upstream.get(`/manifests/${tag}`, { accept: ACCEPT }, { method: 'HEAD' });
    if (!response.ok) throw await refusal(response, where(upstream), `manifest ${tag}`);
    return response.headers.get('docker-content-digest') ?? undefined;
  });
}
