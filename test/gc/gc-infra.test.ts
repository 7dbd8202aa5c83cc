import { describe, expect, it } from 'vitest';
import { berthStack, functionId, logicalId, NO_GATEWAY, roleStatements } from '../infra/stacks.js';

/** What the stack holds for garbage collection: the jobs function's access to the bucket, and the dashboard's storage graph. */

describe('garbage collection in the stack', () => {
  const { template } = berthStack(NO_GATEWAY);
  const table = logicalId(template, 'AWS::DynamoDB::Table', () => true);
  const jobs = functionId(template, 'jobs');

  it('graphs bytes stored and bytes reclaimed, from the jobs function\'s embedded metrics, on the dashboard', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Storage (garbage collection)');
    for (const metric of ['BytesStored', 'BytesReclaimed']) {
      // The body is a joined string: the metric's namespace, name and dimension, with the table's name in it.
      expect(body).toContain(`[\\"Berth\\",\\"${metric}\\",\\"Table\\",\\"`);
    }
    expect(body).toContain(JSON.stringify({ Ref: table }));
  });

  it('lets the jobs function read and delete blobs and manifests, and write no object', () => {
    const objectStatements = roleStatements(template, jobs).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:')));
    expect(objectStatements).toHaveLength(1);
    expect(objectStatements[0]!.Action).toEqual(['s3:GetObject', 's3:DeleteObject']);
    expect(JSON.stringify(objectStatements[0]!.Resource)).toMatch(/\/blobs\/\*.*\/manifests\/\*/);
  });
});
