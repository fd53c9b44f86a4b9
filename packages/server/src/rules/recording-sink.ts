// Where recording rules put their results. The ingest side builds and commits the samples
// (server.ts wires ingest's labeled-sample builder and the writer in), so rules/ depends on
// neither ingest/ nor storage/ (DESIGN.md: rules -> query only).

/** One evaluation's samples for one tenant, built up series by series. */
export interface RecordedSamples {
  readonly length: number;
  /** Registers the series (a complete label set, `__name__` included) and returns its fingerprint. */
  seriesOf(labels: Readonly<Record<string, string>>): number;
  push(fingerprint: number, timeMs: number, value: number): void;
  /** A staleness marker: the series is gone from the rule's result. */
  pushStale(fingerprint: number, timeMs: number): void;
}

export type RecordingWriteResult =
  | { status: 'ok' }
  | { status: 'retryable'; reason: string }
  | { status: 'failed'; error: Error };

export interface RecordingSink {
  samples(tenant: string): RecordedSamples;
  /** Resolves once the samples are durable, refused (retryable) or failed; never throws. */
  write(samples: RecordedSamples): Promise<RecordingWriteResult>;
}
