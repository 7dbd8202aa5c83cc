import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../lib/registry.js';
import { actionsOf, berthStack, functionId, logicalId, NO_BUNDLING, NO_GATEWAY, resource, roleStatements } from '../infra/stacks.js';

type Json = Record<string, any>;


const deliveryId = (template: Template) => functionId(template, 'webhooks');

describe('the registry\'s events and webhook deliveries', () => {
  const { template } = berthStack(NO_GATEWAY);
  const rule = logicalId(template, 'AWS::Events::Rule', (properties) => JSON.stringify(properties.EventPattern ?? {}).includes('berth.registry'));
  // The queue the rule feeds, and the dead-letter queue that queue names.
  const queue = (resource(template, rule).Properties.Targets as Json[])[0]!.Arn['Fn::GetAtt'][0] as string;
  const deadLetters = resource(template, queue).Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;

  it('takes the registry\'s image actions from the default bus to the delivery queue', () => {
    const properties = resource(template, rule).Properties as Json;
    expect(properties.EventPattern).toEqual({ source: ['berth.registry'], 'detail-type': ['ECR Image Action'] });
    expect(properties.EventBusName).toBe('default');
    expect(properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } })]);
    expect(resource(template, queue).Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(resource(template, deadLetters).Type).toBe('AWS::SQS::Queue');
  });

  it('runs the delivery function from the queue, reporting failures per message, with the delivery settings', () => {
    const delivery = deliveryId(template);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: delivery },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resource(template, delivery).Properties.Environment.Variables).toMatchObject({
      BERTH_WEBHOOK_QUEUE_URL: { Ref: queue },
      BERTH_WEBHOOK_TIMEOUT_SECONDS: '10',
      BERTH_WEBHOOK_RETRY_SECONDS: '30',
      BERTH_WEBHOOK_GIVE_UP_SECONDS: '86400',
    });
    const actions = roleStatements(template, delivery).flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']));
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  it('lets the functions that change the registry put events on the bus they are told of, and nothing else of it', () => {
    for (const role of ['registry', 'management', 'jobs'] as const) {
      const id = functionId(template, role);
      const statements = roleStatements(template, id).filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')));
      expect(statements).toHaveLength(1);
      expect(actionsOf(statements[0]!)).toEqual(['events:PutEvents']);
      expect(JSON.stringify(statements[0]!.Resource)).toContain(':event-bus/default');
      expect(JSON.stringify(resource(template, id).Properties.Environment.Variables.BERTH_EVENT_BUS)).toContain(':event-bus/default');
    }
  });

  it('uses a bus given as a prop, and the delivery timings given', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
    const eventBus = new EventBus(stack, 'Bus', { eventBusName: 'platform-events' });
    new Registry(stack, 'Registry', { uploadGateway: false, eventBus, webhookDelivery: { timeout: Duration.seconds(5), giveUpAfter: Duration.hours(2) } });
    const custom = Template.fromStack(stack);
    const busId = logicalId(custom, 'AWS::Events::EventBus', () => true);
    const ruleProperties = resource(custom, logicalId(custom, 'AWS::Events::Rule', (properties) => JSON.stringify(properties.EventPattern ?? {}).includes('berth.registry'))).Properties as Json;
    expect(ruleProperties.EventBusName).toEqual({ Ref: busId });
    expect(resource(custom, deliveryId(custom)).Properties.Environment.Variables).toMatchObject({ BERTH_WEBHOOK_TIMEOUT_SECONDS: '5', BERTH_WEBHOOK_GIVE_UP_SECONDS: '7200' });
  });

  it('encrypts both queues and refuses them plain HTTP', () => {
    for (const id of [queue, deadLetters]) {
      expect(resource(template, id).Properties.SqsManagedSseEnabled).toBe(true);
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as Json[];
      const own = policies.filter((policy) => JSON.stringify(policy.Properties.Queues).includes(id));
      expect(JSON.stringify(own.map((policy) => policy.Properties.PolicyDocument))).toContain('aws:SecureTransport');
    }
  });
});
