import { text } from 'node:stream/consumers';
import { runCredentialHelper } from './credential-helper.js';

// The AWS SDK warns on every run under Node 20, which Berth supports; docker shows a helper's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runCredentialHelper(process.argv.slice(2), {
  stdout: (output) => process.stdout.write(output),
  stderr: (output) => process.stderr.write(output),
  readStdin: () => text(process.stdin),
  env: process.env,
});
