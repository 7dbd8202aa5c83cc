/**
 * What a registry request does, in ECR's action names: the vocabulary of
 * repository policies, token claims and issued keys' policies alike.
 */
export type AccessClass = 'pull' | 'push' | 'delete';

export const ECR_ACTIONS: Record<AccessClass, readonly string[]> = {
  // DescribeRepositories: the catalog lists what the caller may describe. BatchImportUpstreamImage: a pull
  // through a cache rule of an image not cached yet (policies decide it, as in ECR; the token does not withhold it).
  pull: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability', 'ecr:ListImages', 'ecr:DescribeImages', 'ecr:DescribeRepositories', 'ecr:BatchImportUpstreamImage'],
  push: ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchCheckLayerAvailability'],
  delete: ['ecr:BatchDeleteImage'],
};

/** The ECR actions a token of these classes carries. */
export function actionsFor(classes: readonly AccessClass[]): string[] {
  return [...new Set(classes.flatMap((access) => ECR_ACTIONS[access]))];
}
