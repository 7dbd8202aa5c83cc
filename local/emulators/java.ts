import { spawnSync } from 'node:child_process';

export const JAVA_INSTALL_HINT =
  'DynamoDB Local needs Java 17 or newer. Install it, then run npm start again:\n'
  + '  Debian/Ubuntu: sudo apt-get install -y default-jre-headless\n'
  + '  macOS:         brew install openjdk\n'
  + '  Windows:       winget install Microsoft.OpenJDK.17';

/** Fails with install instructions when `java` cannot be run. */
export function requireJava(command = 'java'): void {
  const result = spawnSync(command, ['-version'], { stdio: 'ignore' });
  if (result.error || result.status !== 0) throw new Error(`Java was not found (${command}).\n${JAVA_INSTALL_HINT}`);
}
