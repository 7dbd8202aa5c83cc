import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { BuildOptions } from 'esbuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A Lambda entrypoint in lambdas/, by its path from the project root. */
export function lambdaEntry(path: string): string {
  return fileURLToPath(new URL(`../${path}`, import.meta.url));
}

/**
 * The runtime of every Berth function, and the Node.js major of the upload gateway's image.
 * Pinned: an upgrade of aws-cdk-lib must not move the functions to a runtime the handlers and
 * their tests never ran on. Move it here, on purpose, when Lambda deprecates it.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** CommonJS dependencies inside an ES module bundle still call require(). */
const REQUIRE_BANNER = "import { createRequire as berthCreateRequire } from 'node:module'; const require = berthCreateRequire(import.meta.url);";

/**
 * The bundle of a function as NodejsFunction has esbuild make it, for the bundle tests and
 * `npm run bench:cold`, which measure it without a synth.
 */
export function functionBuildOptions(entry: string): BuildOptions {
  return {
    entryPoints: [lambdaEntry(entry)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: `node${LAMBDA_RUNTIME.name.replace(/^nodejs|\.x$/g, '')}`,
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: REQUIRE_BANNER },
  };
}

/**
 * Whether stack traces are mapped to the TypeScript sources: the construct's `sourceMaps`,
 * else the context key `sourceMaps` (`cdk deploy -c sourceMaps=true`), else off.
 */
function sourceMapsEnabled(scope: Construct, prop: boolean | undefined): boolean {
  if (prop !== undefined) return prop;
  const context: unknown = scope.node.tryGetContext('sourceMaps');
  if (context === undefined || context === false || context === 'false') return false;
  if (context === true || context === 'true') return true;
  throw new Error(`context sourceMaps must be true or false, got ${JSON.stringify(context)}`);
}

export interface BerthFunctionProps {
  /** Path of the handler module from the project root, e.g. `lambdas/registry/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Concurrent executions reserved for the function, which are also its most.
   *
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * Map stack traces to the TypeScript sources (NODE_OPTIONS=--enable-source-maps). The source
   * map ships beside the bundle either way; mapping costs 0.6 to 0.8 s on the first stack trace of
   * each instance, so it is off unless debugging. Setting NODE_OPTIONS on a deployed function
   * does the same without a deployment.
   *
   * @default - the context key `sourceMaps`, else false
   */
  readonly sourceMaps?: boolean;
  /**
   * Commands run around bundling, e.g. to add files the handler reads beside it.
   *
   * @default - none
   */
  readonly commandHooks?: ICommandHooks;
}

/**
 * One Berth Lambda function: its handler bundled locally by esbuild (no Docker), arm64, on
 * LAMBDA_RUNTIME, with its own role and log group. The role starts with permission to
 * write its own logs only; callers grant the rest, action by action.
 */
export class BerthFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BerthFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Kept with the data by default; they expire by their retention either way.
      removalPolicy: props.removalPolicy,
    });
    // Its own role rather than the default one, whose managed policy lets it write any log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (Berth)`,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));

    this.function = new NodejsFunction(this, 'Function', {
      entry: lambdaEntry(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ...(sourceMapsEnabled(this, props.sourceMaps) ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fileURLToPath(new URL('../package-lock.json', import.meta.url)),
      bundling: {
        format: OutputFormat.ESM,
        // The AWS SDK ES module builds tree-shake better than the CommonJS ones.
        mainFields: ['module', 'main'],
        // What the tests ran against, not whichever SDK the runtime ships (the functions' AWS clients are Berth's own).
        bundleAwsSDK: true,
        minify: true,
        // Shipped beside the bundle (index.mjs.map) for whoever turns sourceMaps on, without its sources.
        sourceMap: true,
        sourcesContent: false,
        banner: REQUIRE_BANNER,
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
    });
  }
}
