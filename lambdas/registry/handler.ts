import { lambdaHandler } from '../shared/http/apigw.js';
import { documentClient, s3Client } from '../shared/aws-clients.js';
import { parseEnvironment } from '../shared/config.js';
import { DynamoMetadataStore } from '../store/dynamo-metadata-store.js';
import { DynamoTemplateStore } from '../store/dynamo-template-store.js';
import { S3BlobStore } from '../store/s3-blob-store.js';
import { createRegistryApp } from './app.js';

/** The registry Lambda: the OCI Distribution API behind API Gateway's catch-all /v2 route. */
const config = parseEnvironment(process.env);

const dynamo = documentClient({ region: config.region });

export const handler = lambdaHandler(createRegistryApp({
  store: new DynamoMetadataStore(dynamo, config.table),
  templates: new DynamoTemplateStore(dynamo, config.table),
  blobs: new S3BlobStore(s3Client({ region: config.region }), config.bucket),
  config: config.registry,
}));
