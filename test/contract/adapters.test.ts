import { blobStoreContract } from './blob-store.contract.js';
import { metadataStoreContract } from './metadata-store.contract.js';
import { freshStores, objectTags } from '../support/backends.js';

metadataStoreContract('DynamoDB (DynamoDB Local)', async () => (await freshStores()).store);
blobStoreContract('S3 (s3rver)', async () => {
  const { blobs, bucket } = await freshStores();
  return { blobs, tagsOf: (key) => objectTags(bucket, key) };
});
