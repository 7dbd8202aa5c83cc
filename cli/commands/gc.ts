import { flagOption, type Command } from '../command.js';
import { fields, formatBytes } from '../output.js';

/** berth gc [--dry-run]: Berth's CollectGarbage, slice after slice until the pass is done. */

interface Slice {
  blobsReclaimed: number;
  bytesReclaimed: number;
  linksRemoved: number;
  manifestObjectsReclaimed: number;
  objectsReclaimed: number;
  failures: { repositoryName: string; reason: string }[];
  bytesStored: number;
  nextToken?: string;
}

const FIGURES = ['blobsReclaimed', 'bytesReclaimed', 'linksRemoved', 'manifestObjectsReclaimed', 'objectsReclaimed'] as const;

const gc: Command = {
  name: ['gc'],
  args: [],
  synopsis: '[--dry-run]',
  summary: 'Collects garbage now: deletes the blobs, links and objects no image needs any more and that nobody used for the grace period; prints what it reclaimed.',
  interrupted: 'What was collected so far stays collected; run berth gc again to finish the pass.',
  options: {
    'dry-run': { type: 'boolean', description: 'count what a pass would reclaim, and delete nothing' },
  },
  async run(input, { api }) {
    const dryRun = flagOption(input, 'dry-run');
    const total: Slice = { blobsReclaimed: 0, bytesReclaimed: 0, linksRemoved: 0, manifestObjectsReclaimed: 0, objectsReclaimed: 0, failures: [], bytesStored: 0 };
    let nextToken: string | undefined;
    do {
      const slice = (await api().call('CollectGarbage', { dryRun, ...(nextToken ? { nextToken } : {}) })) as unknown as Slice;
      for (const figure of FIGURES) total[figure] += slice[figure];
      total.failures.push(...slice.failures);
      total.bytesStored = slice.bytesStored;
      nextToken = slice.nextToken;
    } while (nextToken !== undefined);
    const verb = dryRun ? 'Would reclaim' : 'Reclaimed';
    const { nextToken: _done, ...data } = total;
    return {
      data: { dryRun, ...data },
      text: () => [
        `${verb} ${total.blobsReclaimed} blob${total.blobsReclaimed === 1 ? '' : 's'}, ${formatBytes(total.bytesReclaimed)} (${total.bytesReclaimed} bytes)${dryRun ? '; nothing was deleted' : ''}.`,
        fields([
          ['Blobs', String(total.blobsReclaimed)],
          ['Bytes', String(total.bytesReclaimed)],
          ['Unreferenced blob links', String(total.linksRemoved)],
          ['Manifest objects', String(total.manifestObjectsReclaimed)],
          ['Upload leftovers', String(total.objectsReclaimed)],
          ['Bytes stored', `${total.bytesStored} (${formatBytes(total.bytesStored)})`],
        ]),
      ].join('\n'),
      ...(total.failures.length > 0
        ? { problems: total.failures.map((failure) => `the links of ${failure.repositoryName} were left alone: ${failure.reason}`) }
        : {}),
    };
  },
};

export const GC_COMMANDS: readonly Command[] = [gc];
