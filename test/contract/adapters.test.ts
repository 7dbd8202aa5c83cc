import { blobStoreContract } from './blob-store.contract.js';
import { metadataStoreContract } from './metadata-store.contract.js';
import { freshStores } from '../support/backends.js';

metadataStoreContract('DynamoDB (DynamoDB Local)', async () => (await freshStores()).store);
blobStoreContract('S3 (s3rver)', async () => (await freshStores()).blobs);
