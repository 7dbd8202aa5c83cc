import { text } from 'node:stream/consumers';
import { runBerth } from './run.js';

// The AWS SDK warns on every run under Node 20, which Berth supports; a command's stderr is for its own errors.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Output piped into `head` and the like may be cut short; that is no failure of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

process.exitCode = await runBerth(process.argv.slice(2), {
  stdout: (output) => process.stdout.write(output),
  stderr: (output) => process.stderr.write(output),
  readStdin: () => text(process.stdin),
  stdinStream: () => process.stdin,
  stderrIsTty: process.stderr.isTTY === true,
  env: process.env,
  onInterrupt: (say) => process.once('SIGINT', () => {
    say();
    // 128 + SIGINT, as shells report a command Ctrl-C stopped.
    process.exit(130);
  }),
});
