import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BerthFunction } from './berth-function.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';
import { KEY_ACTIONS } from './permissions.js';

export interface TokenSecretsProps {
  /** How often the token-signing key rotates. */
  readonly rotationInterval: Duration;
  readonly encryptionKey?: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** Concurrent executions reserved for the rotation function; none by default. */
  readonly rotationReservedConcurrency?: number;
}

/**
 * The first value of each key, before any rotation: 43 random letters and digits. That is
 * unpadded base64 of 32 bytes (43 × 6 bits, the last 2 ignored), about 254 bits of entropy;
 * Node's base64 decoder reads it as a 32-byte key. Secrets Manager can generate only
 * passwords, not bytes; the token key's first rotation, at deployment, replaces it with
 * canonical base64 of 32 random bytes.
 */
export const INITIAL_KEY_GENERATOR: secretsmanager.SecretStringGenerator = {
  passwordLength: 43,
  excludePunctuation: true,
  includeSpace: false,
  requireEachIncludedType: false,
};

/**
 * The keys Berth keeps in Secrets Manager: the HMAC key that signs registry tokens (rotated by
 * lambdas/rotation; verifiers read AWSCURRENT and AWSPREVIOUS, so tokens survive a rotation),
 * and the key that seals the secrets of issued access keys (never rotated: every stored key
 * is sealed with it).
 */
export class TokenSecrets extends Construct {
  readonly tokenSecret: secretsmanager.Secret;
  readonly sealingSecret: secretsmanager.Secret;
  readonly rotation: BerthFunction;

  constructor(scope: Construct, id: string, props: TokenSecretsProps) {
    super(scope, id);
    this.tokenSecret = new secretsmanager.Secret(this, 'TokenSigningKey', {
      description: 'Berth: base64 HMAC key that signs registry tokens (rotated)',
      generateSecretString: INITIAL_KEY_GENERATOR,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      removalPolicy: props.removalPolicy,
    });
    this.sealingSecret = new secretsmanager.Secret(this, 'SealingKey', {
      description: 'Berth: base64 AES-256 key that seals the secrets of issued access keys (never rotated)',
      generateSecretString: INITIAL_KEY_GENERATOR,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      removalPolicy: props.removalPolicy,
    });
    acknowledge(this.sealingSecret, 'SMG4', 'The sealing key encrypts the stored secret of every issued access key; rotating it would mean re-sealing them all. It never leaves Secrets Manager and the management function.');

    this.rotation = new BerthFunction(this, 'Rotation', {
      entry: 'lambdas/rotation/handler.ts',
      description: 'Rotates the registry-token signing key',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.rotationReservedConcurrency === undefined ? {} : { reservedConcurrency: props.rotationReservedConcurrency }),
    });
    this.tokenSecret.addRotationSchedule('Rotation', {
      rotationLambda: this.rotation.function,
      automaticallyAfter: props.rotationInterval,
      // The first rotation, at deployment, replaces the generated password with a 32-byte key.
      rotateImmediatelyOnUpdate: true,
    });
    // Secrets Manager may invoke the rotation for this account's secrets only.
    for (const child of this.rotation.function.node.findAll()) {
      if (child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
        child.sourceAccount = Stack.of(this).account;
      }
    }
    acknowledgeWildcardResource(this.rotation.role, '*', 'secretsmanager:GetRandomPassword, added by CDK\'s RotationSchedule, has no resource type; the rotation draws its key from crypto.randomBytes and never calls it.');
    if (props.encryptionKey) {
      // Reading and writing the secret's versions decrypts and encrypts with its key.
      this.rotation.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...KEY_ACTIONS], resources: [props.encryptionKey.keyArn] }));
    }
  }
}
