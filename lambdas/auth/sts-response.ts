/**
 * STS's answers to GetCallerIdentity, in its query protocol's XML:
 * `GetCallerIdentityResponse/GetCallerIdentityResult/{Arn,UserId,Account}` on
 * success, `ErrorResponse/Error/{Type,Code,Message}` on failure. Both are flat
 * and fixed, so a few patterns read them; nothing else in them is used.
 */

export interface CallerIdentity {
  arn: string;
  accountId: string;
}

export interface StsFault {
  /** `Sender` for the caller's faults, `Receiver` for STS's own. */
  type: string;
  code: string;
  message: string;
}

const ACCOUNT_ID = /^[0-9]{12}$/;
/** IAM and STS principal ARNs, in any partition. */
const PRINCIPAL_ARN = /^arn:aws(?:-[a-z]+)*:(?:iam|sts)::([0-9]{12}):[\w+=,.@/:-]+$/;

/** The caller of a successful response, or undefined when the body is not one. */
export function callerIdentityOf(xml: string): CallerIdentity | undefined {
  if (!/<GetCallerIdentityResult>/.test(xml)) return undefined;
  const arn = element(xml, 'Arn');
  const accountId = element(xml, 'Account');
  if (arn === undefined || accountId === undefined || !ACCOUNT_ID.test(accountId)) return undefined;
  // The ARN's own account must be the one STS names: anything else is not STS speaking.
  if (PRINCIPAL_ARN.exec(arn)?.[1] !== accountId) return undefined;
  return { arn, accountId };
}

/** The error of an error response, or undefined when the body is not one. */
export function stsFaultOf(xml: string): StsFault | undefined {
  const code = element(xml, 'Code');
  if (!/<ErrorResponse[\s>]/.test(xml) || code === undefined) return undefined;
  return { type: element(xml, 'Type') ?? 'Sender', code, message: element(xml, 'Message') ?? '' };
}

function element(xml: string, name: string): string | undefined {
  const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return value === undefined ? undefined : unescapeXml(value.trim());
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[entity]!);
}
