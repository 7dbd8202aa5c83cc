import { isAwsError } from '../lambdas/aws/aws-error.js';
import type { DynamoDocuments } from '../lambdas/aws/dynamodb.js';
import type { S3Api } from '../lambdas/aws/s3.js';
import { createTableInput, TTL_ATTRIBUTE } from '../lambdas/store/table-schema.js';

/** Creates the table (with TTL on upload sessions) unless it exists; what the CDK stack does on AWS. */
export async function ensureTable(client: DynamoDocuments, table: string): Promise<void> {
  try {
    await client.service.send('DescribeTable', { TableName: table });
    return;
  } catch (error) {
    if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
  }
  await client.service.send('CreateTable', createTableInput(table));
  await client.service.send('UpdateTimeToLive', {
    TableName: table,
    TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
  });
}

export async function ensureBucket(client: S3Api, bucket: string): Promise<void> {
  try {
    await client.headBucket(bucket);
  } catch {
    await client.createBucket(bucket);
  }
}
