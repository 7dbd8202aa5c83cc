import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { GC_METRICS_DIMENSION, GC_METRICS_NAMESPACE } from '../lambdas/gc/metrics.js';
import { acknowledgeWildcardResource } from './nag.js';
import { OBJECT_ACTIONS } from './permissions.js';

/** The jobs function collects garbage: what it may read and delete in the bucket (lib/permissions.ts). */
export function grantGarbageCollection(role: iam.IRole, bucket: s3.IBucket): void {
  const grant = OBJECT_ACTIONS.jobs;
  const objectArns = grant.prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...grant.actions], resources: objectArns }));
  for (const arn of objectArns) {
    acknowledgeWildcardResource(role, arn, 'Object keys are content-addressed digests and upload IDs, known only at run time; the garbage collector reads and deletes under the prefixes of blobs and manifests only (lambdas/store/keys.ts).');
  }
}

/** The garbage collector's metrics, which each run logs in CloudWatch's embedded metric format (lambdas/gc/metrics.ts). */
export function garbageCollectionMetrics(tableName: string): { stored: cloudwatch.Metric; reclaimed: cloudwatch.Metric } {
  const metric = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
    namespace: GC_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [GC_METRICS_DIMENSION]: tableName },
    statistic,
    // Runs are daily by default: a day per point shows each run's figures.
    period: Duration.days(1),
    label,
  });
  return {
    stored: metric('BytesStored', 'Maximum', 'bytes stored'),
    reclaimed: metric('BytesReclaimed', 'Sum', 'bytes reclaimed'),
  };
}

/** The dashboard's storage graph: bytes stored (left) and bytes garbage collection reclaimed (right). */
export function garbageCollectionWidget(tableName: string): cloudwatch.GraphWidget {
  const { stored, reclaimed } = garbageCollectionMetrics(tableName);
  return new cloudwatch.GraphWidget({ title: 'Storage (garbage collection)', left: [stored], right: [reclaimed], width: 24 });
}
