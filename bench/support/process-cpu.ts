import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

interface ProcessTimes {
  pid: number;
  ppid: number;
  command: string;
  ticks: number;
}

/**
 * CPU seconds (user + system) used so far by the descendants of this process
 * running one of `commands` (as /proc names them, e.g. java for DynamoDB
 * Local), plus this process's own when `withSelf` (the registry and s3rver run
 * in it). Read from /proc; undefined where there is none. Load generators and
 * clients are children too, but are left out by command name.
 */
export function serverCpuSeconds(commands: string[], withSelf: boolean): number | undefined {
  let all: ProcessTimes[];
  try {
    all = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
      try {
        return [parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'))];
      } catch {
        return []; // Exited while we looked.
      }
    });
  } catch {
    return undefined;
  }
  const descendants = new Set([process.pid]);
  for (let grown = true; grown;) {
    grown = false;
    for (const times of all) {
      if (!descendants.has(times.pid) && descendants.has(times.ppid)) {
        descendants.add(times.pid);
        grown = true;
      }
    }
  }
  const counted = all.filter((times) => (times.pid === process.pid ? withSelf : descendants.has(times.pid) && commands.includes(times.command)));
  return counted.reduce((sum, times) => sum + times.ticks, 0) / TICKS_PER_SECOND;
}

function parseStat(text: string): ProcessTimes {
  // The command name (field 2) is in parentheses and may hold spaces: the fields after it start past the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid: Number.parseInt(text, 10),
    ppid: Number(fields[1]),
    command: text.slice(text.indexOf('(') + 1, close),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}
