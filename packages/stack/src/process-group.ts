import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A command run in a process group of its own (`pnpm` starts a shell that starts tsx that
 * starts node): signals go to the whole group, and "nothing left" means the group is empty.
 */
export class ProcessGroup {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly lines: string[] = [];

  constructor(
    readonly name: string,
    command: string,
    options: { cwd: string; env: Record<string, string>; keepLines?: number; echo?: (line: string) => void },
  ) {
    this.child = spawn(command, { cwd: options.cwd, env: options.env, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = options.keepLines ?? 400;
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > keep) this.lines.shift();
        options.echo?.(`${name} | ${line}`);
      }
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The last lines it printed, for a failure message. */
  output(): string {
    return this.lines.join('\n');
  }

  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** True while any process of the group runs. */
  isAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for the group to empty; SIGKILLs it after `timeoutMs`. Returns whether it emptied by itself. */
  async waitUntilGone(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.isAlive()) {
      if (Date.now() > deadline) {
        this.signal('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }
}
