import { readdirSync, readFileSync } from 'node:fs';

export interface GroupProcess {
  pid: number;
  command: string;
  rssMb: number;
}

/** Every live process of a process group, from /proc (Linux). */
export function processesOfGroup(pgid: number): GroupProcess[] {
  const found: GroupProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields after its last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      found.push({ pid: Number(entry), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), rssMb: rssKb / 1024 });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The service's own Node process: the largest `node` of its group (pnpm and tsx's launcher are small). */
export function serviceRssMb(pgid: number): number {
  return Math.max(0, ...processesOfGroup(pgid).filter((p) => p.command === 'node').map((p) => p.rssMb));
}

export function chromiumProcesses(pgid: number): number {
  return processesOfGroup(pgid).filter((p) => /chrom/i.test(p.command)).length;
}
