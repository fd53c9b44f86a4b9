// Samples that arrive already in the Prometheus model (remote_write, scrapes, recording
// rules) -> SampleBatch. Unlike the OTLP builder there is no name/attribute mapping to do:
// a sample is a complete label set, so this only fingerprints through seriesFingerprint,
// deduplicates series definitions per batch and keeps stale markers bit-exact.
import { rememberedSeries, type ExemplarPoint, type ExpHistogramPoint, type MetricMetadata, type SampleBatch, type SeriesDef } from '../../storage/batches.js';
import { finishLanes, labelLanes, seriesFingerprint } from './series-fingerprint.js';
import { STALE_NAN_HI, STALE_NAN_LO } from './sample-batch-builder.js';
import { LITTLE_ENDIAN } from './u64.js';
import type { BatchWriter } from '../export-service.js';

/** Labels sorted by name with empty values removed: the SeriesDef form. */
export function canonicalLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const names = Object.keys(labels).sort();
  const out: Record<string, string> = {};
  for (const n of names) if (labels[n] !== '') out[n] = labels[n];
  return out;
}

// Series seen by earlier batches: a series that keeps reporting (nearly all of them) reuses
// its immutable SeriesDef instead of copying and sorting its labels again. Bounded; cleared
// wholesale when full, which only costs the rebuild (as in the OTLP builder).
const KNOWN_SERIES_MAX = 200_000;
const knownSeries = new Map<number, SeriesDef>();
/** Counts wholesale clears of knownSeries: a builder that lived through one dedupes its list. */
let knownSeriesEpoch = 0;
let builderIds = 0;
const lanes = { a: 0, b: 0 };

function remember(fp: number, labels: Record<string, string>): SeriesDef {
  const def = rememberedSeries(fp, labels.__name__ ?? '', labels);
  if (knownSeries.size >= KNOWN_SERIES_MAX) {
    knownSeries.clear();
    knownSeriesEpoch++;
  }
  knownSeries.set(fp, def);
  return def;
}

export class LabeledSampleBuilder {
  private fpCol = new Float64Array(64);
  private timeCol = new Float64Array(64);
  private valueCol = new Float64Array(64);
  /** The value column as 32-bit words, for writing raw NaN payloads without a view per sample. */
  private valueWords = new Uint32Array(this.valueCol.buffer);
  private n = 0;
  private readonly series: SeriesDef[] = [];
  /** A series is listed once: marked in its memo with this id (a SeriesDef without memo: in `seen`). */
  private readonly id = ++builderIds;
  private readonly epoch = knownSeriesEpoch;
  private interleaved = false;
  private readonly seen = new Set<number>();
  private readonly metadata: MetricMetadata[] = [];
  private readonly metadataNames = new Set<string>();
  private readonly expHistograms: ExpHistogramPoint[] = [];
  private readonly exemplars: ExemplarPoint[] = [];

  constructor(readonly tenant: string) {}

  get length(): number {
    return this.n;
  }

  /** Registers the series (labels must contain __name__) and returns its fingerprint. */
  seriesOf(labels: Readonly<Record<string, string>>): number {
    const fp = seriesFingerprint(labels);
    this.seriesOfDef(knownSeries.get(fp) ?? remember(fp, canonicalLabels(labels)));
    return fp;
  }

  /** Registers a series already resolved elsewhere (a decoder's cache) and returns its fingerprint. */
  seriesOfDef(def: SeriesDef): number {
    const memo = def.memo;
    if (memo !== undefined) {
      if (memo.batch === this.id) return def.fingerprint;
      // Ids grow: a newer builder alive at the same time (a recording rule's batch filled
      // across awaits) owns the mark; this one lists the series again and dedupes at finish.
      if (memo.batch > this.id) this.interleaved = true;
      else memo.batch = this.id;
      this.series.push(def);
    } else if (!this.seen.has(def.fingerprint)) {
      this.seen.add(def.fingerprint);
      this.series.push(def);
    }
    return def.fingerprint;
  }

  /** The SeriesDef of a fingerprint registered in this batch. */
  defOf(fp: number): SeriesDef | undefined {
    return knownSeries.get(fp);
  }

  /**
   * seriesOf for labels given as parallel name/value arrays (the decoders' scratch): the
   * fingerprint is summed from the pairs directly, and a label object is only built for a
   * series not seen before. Same fingerprint as seriesFingerprint of the equivalent object.
   */
  seriesOfPairs(names: readonly string[], values: readonly string[], n: number): number {
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (values[i] === '') continue;
      labelLanes(names[i], values[i], lanes);
      a = (a + lanes.a) >>> 0;
      b = (b + lanes.b) >>> 0;
    }
    const fp = finishLanes(a, b);
    let def = knownSeries.get(fp);
    if (def === undefined) {
      const order: number[] = [];
      for (let i = 0; i < n; i++) if (values[i] !== '') order.push(i);
      order.sort((x, y) => (names[x] < names[y] ? -1 : names[x] > names[y] ? 1 : 0));
      const labels: Record<string, string> = {};
      for (const i of order) labels[names[i]] = values[i];
      def = remember(fp, labels);
    }
    return this.seriesOfDef(def);
  }

  add(labels: Readonly<Record<string, string>>, timeMs: number, value: number): number {
    const fp = this.seriesOf(labels);
    this.push(fp, timeMs, value);
    return fp;
  }

  /** Appends a sample whose fingerprint was obtained from seriesOf. */
  push(fp: number, timeMs: number, value: number): void {
    if (this.n === this.fpCol.length) this.grow();
    const i = this.n++;
    this.fpCol[i] = fp;
    this.timeCol[i] = timeMs;
    this.valueCol[i] = value;
  }

  /**
   * Appends a value given as its two IEEE-754 words, so NaN payloads (the stale marker) survive:
   * a NaN passed through JS arithmetic may be canonicalised.
   */
  pushBits(fp: number, timeMs: number, lo: number, hi: number): void {
    this.push(fp, timeMs, 0);
    const w = (this.n - 1) * 2;
    this.valueWords[LITTLE_ENDIAN ? w : w + 1] = lo;
    this.valueWords[LITTLE_ENDIAN ? w + 1 : w] = hi;
  }

  pushStale(fp: number, timeMs: number): void {
    this.pushBits(fp, timeMs, STALE_NAN_LO, STALE_NAN_HI);
  }

  addMetadata(meta: MetricMetadata): void {
    // One TYPE/HELP/UNIT per family and request; the first one wins like in the OTLP path.
    if (this.metadataNames.has(meta.name)) return;
    this.metadataNames.add(meta.name);
    this.metadata.push(meta);
  }

  addExemplar(ex: ExemplarPoint): void {
    this.exemplars.push(ex);
  }

  addExpHistogram(point: ExpHistogramPoint): void {
    this.expHistograms.push(point);
  }

  finish(): SampleBatch {
    const n = this.n;
    return {
      kind: 'samples',
      tenant: this.tenant,
      length: n,
      fingerprint: this.fpCol.subarray(0, n),
      timeMs: this.timeCol.subarray(0, n),
      value: this.valueCol.subarray(0, n),
      // After a wholesale clear of knownSeries one fingerprint may have two SeriesDefs here.
      series: this.epoch === knownSeriesEpoch && !this.interleaved ? this.series : dedupeSeries(this.series),
      metadata: this.metadata,
      expHistograms: this.expHistograms,
      exemplars: this.exemplars,
    };
  }

  private grow(): void {
    const size = this.fpCol.length * 2;
    const fp = new Float64Array(size);
    fp.set(this.fpCol);
    const time = new Float64Array(size);
    time.set(this.timeCol);
    const value = new Float64Array(size);
    value.set(this.valueCol);
    this.fpCol = fp;
    this.timeCol = time;
    this.valueCol = value;
    this.valueWords = new Uint32Array(value.buffer);
  }
}

/**
 * Recording rules' sink (rules/ RecordingSink, matched structurally so ingest imports nothing of
 * rules/): label sets become a SampleBatch here and go through `writer` like any producer's.
 */
export function labeledSampleSink(writer: BatchWriter) {
  return {
    samples: (tenant: string) => new LabeledSampleBuilder(tenant),
    write: (samples: LabeledSampleBuilder) => writer.write(samples.finish()),
  };
}

function dedupeSeries(list: readonly SeriesDef[]): SeriesDef[] {
  const seen = new Set<number>();
  return list.filter((d) => !seen.has(d.fingerprint) && seen.add(d.fingerprint) !== undefined);
}
