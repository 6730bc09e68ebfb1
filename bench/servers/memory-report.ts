/** Answers the parent's `{memory: true}` IPC requests with this process's memory, after a GC when exposed. */
export function answerMemoryRequests(): void {
  process.on('message', (message: { memory?: boolean }) => {
    if (!message?.memory) return;
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heapUsed });
  });
}
