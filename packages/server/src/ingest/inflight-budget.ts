// Bounds the request bytes held in memory across all concurrent uploads. Without it, memory
// grows with the number of clients (each may send maxBodyBytes); with it, a request that does
// not fit is answered 429 and retried by the exporter, like a full write queue.
export class InflightBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  tryAcquire(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get usedBytes(): number {
    return this.used;
  }
}
