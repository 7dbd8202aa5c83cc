import type { AwsClientOptions } from '../aws/aws-client.js';
import { DynamoDocuments } from '../aws/dynamodb.js';
import { S3Api } from '../aws/s3.js';

export type ClientOptions = AwsClientOptions;

export function documentClient(options: ClientOptions): DynamoDocuments {
  return new DynamoDocuments(options);
}

export function s3Client(options: ClientOptions): S3Api {
  return new S3Api(options);
}
