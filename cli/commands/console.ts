import type { Command } from '../command.js';
import { fields, formatDate } from '../output.js';

/** berth console: Berth's CreateConsoleSignIn, a one-time link that signs the caller in to the web console. */
const signIn: Command = {
  name: ['console'],
  args: [],
  summary: 'Prints a one-time link that signs you in to the web console, as yourself; it works once, within minutes.',
  async run(_input, { api }) {
    const response = await api().call('CreateConsoleSignIn', {});
    const expiresAt = new Date((response.expiresAt as number) * 1000);
    return {
      data: response,
      text: () => [
        'Open this link in your browser (it works once; keep it to yourself):',
        `  ${String(response.signInUrl)}`,
        '',
        fields([['Link expires', formatDate(expiresAt)]]),
      ].join('\n'),
    };
  },
};

export const CONSOLE_COMMANDS: readonly Command[] = [signIn];
