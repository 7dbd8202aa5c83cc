import type { UploadStateTokens } from '../../auth/upload-state.js';
import type { UploadSession } from '../../store/records.js';
import type { RouteContext } from '../context.js';

/** The query parameter of an upload Location that carries its state token. */
export const STATE_PARAMETER = '_state';

/** The actions a state token may carry: those of the byte path, decided when the upload starts. */
const UPLOAD_ACTIONS = ['ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'];

/** Where clients send an upload's requests, and where its blob is found once complete. */
export interface UploadLocations {
  session(context: RouteContext, session: UploadSession): Promise<string>;
  blob(name: string, digest: string): string;
}

/** Without an upload gateway: every request of an upload goes to the API, by relative URL. */
export const apiLocations: UploadLocations = {
  session: async (_context, session) => sessionPath(session),
  blob: blobPath,
};

/**
 * With an upload gateway: sessions continue on the gateway, authorized by a
 * signed state token in the Location; the finished blob is on the registry.
 * A request that arrived with a token keeps it, so the Location stays stable.
 */
export function gatewayLocations(gatewayUrl: string, registryUrl: string, tokens: UploadStateTokens): UploadLocations {
  return {
    async session(context, session) {
      const token = context.request.query.get(STATE_PARAMETER) ?? await tokens.issue({
        repository: session.repository,
        uploadId: session.id,
        principalArn: context.callerArn ?? 'anonymous',
        actions: await allowed(context, session.repository),
        expiresAt: new Date(session.expiresAt * 1000),
      });
      return `${gatewayUrl}${sessionPath(session)}?${new URLSearchParams({ [STATE_PARAMETER]: token })}`;
    },
    blob: (name, digest) => `${registryUrl}${blobPath(name, digest)}`,
  };
}

async function allowed(context: RouteContext, repository: string): Promise<string[]> {
  const decisions = await Promise.all(UPLOAD_ACTIONS.map((action) => context.may(action, repository)));
  return UPLOAD_ACTIONS.filter((_, index) => decisions[index]);
}

function sessionPath(session: UploadSession): string {
  return `/v2/${session.repository}/blobs/uploads/${session.id}`;
}

function blobPath(name: string, digest: string): string {
  return `/v2/${name}/blobs/${digest}`;
}
