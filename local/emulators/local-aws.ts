/**
 * Region and credentials for the local emulators. s3rver knows only the key
 * pair S3RVER/S3RVER, and DynamoDB Local accepts any key of letters and
 * digits, so one pair serves both.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The account local mode's ARNs name. */
export const LOCAL_ACCOUNT_ID = '000000000000';
