import type { AwsClientOptions } from '../aws/aws-client.js';
import { DynamoDocuments } from '../aws/dynamodb.js';
import { S3Api } from '../aws/s3.js';

/** The DynamoDB and S3 clients the stores are built on, alike in the functions, the upload gateway, local mode and tests. */

export type ClientOptions = AwsClientOptions;

export function documentClient(options: ClientOptions): DynamoDocuments {
  return new DynamoDocuments(options);
}

export function s3Client(options: ClientOptions): S3Api {
  return new S3Api(options);
}
