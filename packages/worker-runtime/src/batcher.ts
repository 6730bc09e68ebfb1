interface Waiting<Input, Output> {
  input: Input;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Inputs per batch at most: a batch this full goes out at once. */
  maxBatch: number;
  /** How long a call that finds no batch running waits for others to join it. */
  gatherMs: number;
}

/**
 * Runs one operation (a statement, a script) for many concurrent callers, one batch at a time. A call made while a
 * batch runs joins the next one, which goes out as soon as the running one is done; a call that
 * finds none running waits up to `gatherMs` for others (or until the batch is full). The
 * worker's jobs then move through each statement together and share its round trip and commit.
 * One batch at a time on purpose: concurrent batches touch the same posting-job and post rows
 * and mostly wait for each other's locks (measured: half the throughput with two).
 *
 * `runBatch` returns one output per input, in order. When a batch of several fails, each of its
 * inputs is run alone, so one bad input (or a deadlock victim) fails only its own caller.
 */
export class Batcher<Input, Output> {
  private readonly waiting: Waiting<Input, Output>[] = [];
  private running = false;
  private gathering: NodeJS.Timeout | undefined;

  constructor(
    private readonly runBatch: (inputs: Input[]) => Promise<Output[]>,
    private readonly options: BatcherOptions,
  ) {}

  run(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.running) return;
      if (this.waiting.length >= this.options.maxBatch) this.startBatch();
      else this.gathering ??= setTimeout(() => this.startBatch(), this.options.gatherMs);
    });
  }

  private startBatch(): void {
    clearTimeout(this.gathering);
    this.gathering = undefined;
    if (this.running || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.options.maxBatch);
    this.running = true;
    void this.execute(batch).finally(() => {
      this.running = false;
      this.startBatch();
    });
  }

  private async execute(batch: Waiting<Input, Output>[]): Promise<void> {
    try {
      const outputs = await this.runBatch(batch.map((waiting) => waiting.input));
      batch.forEach((waiting, i) => waiting.resolve(outputs[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      await Promise.all(batch.map((waiting) => this.runBatch([waiting.input]).then(([output]) => waiting.resolve(output!), waiting.reject)));
    }
  }
}
