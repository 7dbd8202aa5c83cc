import type { RegistryClient } from '../../test/support/client.js';
import { ociImage, type Image } from '../../test/support/oci.js';
import { expectStatus } from './transfer.js';

/** The small image the per-request measurements read. */
export interface Fixture {
  repository: string;
  tag: string;
  image: Image;
}

export const FIXTURE_LAYERS = 4;
const EXTRA_TAGS = 9;

/** Pushes a 4-layer image under `latest` and nine more tags, so tags list returns a realistic page. */
export async function pushFixture(client: RegistryClient): Promise<Fixture> {
  const fixture: Fixture = {
    repository: 'bench/small',
    tag: 'latest',
    image: ociImage({ layerSizes: Array.from({ length: FIXTURE_LAYERS }, (_, index) => 16 * 1024 * (index + 1)) }),
  };
  await client.pushImage(fixture.repository, fixture.tag, fixture.image);
  for (let index = 1; index <= EXTRA_TAGS; index += 1) {
    await expectStatus(client.pushManifest(fixture.repository, `v${index}`, fixture.image.manifest), 201, 'manifest push');
  }
  return fixture;
}
