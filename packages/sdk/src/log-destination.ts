import { writeSync } from 'node:fs';

/** Where formatted log lines go. Each `write` receives one complete line ending in `\n`. */
export interface LogDestination {
  write(line: string): void;
  /** Writes out anything buffered, synchronously; called on process exit and by `shutdown()`. */
  flushSync?(): void;
}

const MAX_BUFFER = 64 * 1024;

/**
 * Buffers lines and writes them with one syscall per event-loop turn (or per 64 KiB).
 * Writing each line separately costs a syscall per line on Linux pipes, where stdout is
 * synchronous; batching is what makes the logger keep up with pino.
 */
export class FdDestination implements LogDestination {
  private buffer = '';
  private scheduled = false;
  private readonly flushCallback = (): void => {
    this.scheduled = false;
    this.flushSync();
  };

  constructor(private readonly fd: number = 1) {
    process.once('exit', () => this.flushSync());
  }

  write(line: string): void {
    this.buffer += line;
    if (this.buffer.length >= MAX_BUFFER) {
      this.flushSync();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushCallback).unref();
    }
  }

  flushSync(): void {
    if (this.buffer.length === 0) return;
    const data = this.buffer;
    this.buffer = '';
    try {
      writeSync(this.fd, data);
    } catch (err) {
      // EAGAIN on a non-blocking pipe: retry once through the stream machinery, which queues.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        (this.fd === 2 ? process.stderr : process.stdout).write(data);
      }
      // Any other error (closed stdout) must not crash the service: logs are dropped.
    }
  }
}

/** Adapts any writable stream (a file stream, a test sink) to a {@link LogDestination}. */
export function streamDestination(stream: { write(chunk: string): unknown }): LogDestination {
  return { write: (line) => void stream.write(line) };
}

/** Collects lines in memory; useful in tests and to inspect output. */
export class MemoryDestination implements LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  /** The collected lines parsed as JSON. */
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  clear(): void {
    this.lines.length = 0;
  }
}
