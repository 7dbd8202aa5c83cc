/** Error names that mean "slow down": worth another try after a pause. */
const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'LimitExceededException',
  'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete', 'EC2ThrottledException',
]);
/** Error names that mean a transient fault on AWS's side. */
const TRANSIENT = new Set(['InternalError', 'InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * An error answer from an AWS service, named as the service names it (ConditionalCheckFailedException,
 * NoSuchKey, ...), with the status and any other fields of the answer (a cancelled transaction's
 * CancellationReasons). The names and shapes are the SDK's, so handlers read as with the SDK.
 */
export class AwsError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  [field: string]: unknown;

  constructor(name: string, message: string, status: number, fields: Record<string, unknown> = {}, requestId?: string) {
    super(message || `${name} (HTTP ${status})`);
    Object.assign(this, fields);
    this.name = name;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  }

  /** Whether the same request may succeed if sent again after a pause. */
  get retryable(): boolean {
    const status = this.$metadata.httpStatusCode;
    return THROTTLING.has(this.name) || TRANSIENT.has(this.name) || status === 429 || status >= 500;
  }
}

/** Whether `error` is an AWS error answer of the given name. */
export function isAwsError(error: unknown, name: string): error is AwsError {
  return error instanceof AwsError && error.name === name;
}
