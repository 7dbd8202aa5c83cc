import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BerthStack } from './berth-stack.js';
import { settingsFromContext } from './settings.js';

/**
 * The CDK app: one BerthStack configured from context, checked by cdk-nag's AwsSolutions
 * rules at synth. Any unacknowledged finding stops the synth.
 */
export function createBerthApp(props: AppProps = {}): { app: App; stack: BerthStack } {
  const app = new App(props);
  const settings = settingsFromContext((key) => app.node.tryGetContext(key));
  const stack = new BerthStack(app, settings.stackName, {
    settings,
    description: 'Berth: a serverless, ECR-compatible container registry',
    // Unset offline: the stack is then environment-agnostic, and cdk synth needs no AWS account.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
