import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP sockets listening on this machine, read from /proc (Linux), and which process holds
 * each: the bound address is the kernel's word, with no traffic sent anywhere.
 */

export interface ListeningSocket {
  address: string;
  port: number;
  inode: string;
}

/** /proc's hex address: IPv4 as one little-endian word, IPv6 as four. */
function addressOf(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((word) => Buffer.from(word, 'hex').reverse());
  if (words.length === 1) return [...words[0]!].join('.');
  const bytes = Buffer.concat(words);
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes.readUInt16BE(10) === 0xffff) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  return (bytes.toString('hex').match(/.{4}/g) ?? []).map((group) => group.replace(/^0+(?=.)/, '')).join(':');
}

export function listeningSockets(): ListeningSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => readFileSync(file, 'utf8').trim().split('\n').slice(1).flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    const [address, port] = fields[1]!.split(':');
    // State 0A is LISTEN.
    return fields[3] === '0A' ? [{ address: addressOf(address!), port: parseInt(port!, 16), inode: fields[9]! }] : [];
  }));
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || /^::ffff:127\./.test(address) || address === '0:0:0:0:0:0:0:1';
}

/** `pid` and the processes it started, and theirs. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // The command name, in parentheses, may hold spaces: the parent's pid is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) {
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child);
  }
  return tree;
}

/** The listening sockets the processes hold. */
export function socketsOf(pids: number[]): ListeningSocket[] {
  const inodes = new Set(pids.flatMap((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]].filter((inode): inode is string => inode !== undefined);
        } catch {
          return [];
        }
      });
    } catch {
      return [];
    }
  }));
  return listeningSockets().filter((socket) => inodes.has(socket.inode));
}
