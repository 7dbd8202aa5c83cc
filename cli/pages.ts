/** Every item of a paged ECR listing, following nextToken until the last page. */
export async function allPages<T>(page: (nextToken: string | undefined) => Promise<{ items?: T[]; nextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const result = await page(nextToken);
    items.push(...(result.items ?? []));
    nextToken = result.nextToken;
  } while (nextToken);
  return items;
}
