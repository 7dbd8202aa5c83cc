import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

export interface ClientOptions {
  region: string;
  /** Set for emulators (DynamoDB Local, s3rver); unset on AWS. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** How requests are sent; the SDK's own Node.js handler unless given (the cold-start bench answers from memory). */
  requestHandler?: DynamoDBClientConfig['requestHandler'];
}

export function documentClient(options: ClientOptions): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * S3 clients compute checksums only when an operation requires one. With the
 * SDK's defaults, uploads use aws-chunked framing that s3rver stores verbatim,
 * and presigned PUTs carry an empty-body CRC32 that real S3 rejects.
 */
export function s3Client(options: ClientOptions): S3Client {
  return new S3Client({
    ...options,
    forcePathStyle: options.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
