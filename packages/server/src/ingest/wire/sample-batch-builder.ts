// OTLP metric points -> Prometheus samples (SampleBatch), shared by the protobuf and the
// OTLP/JSON decoder. The decoders read the wire; everything about the Prometheus model
// (names, labels, series, type-specific expansion, staleness, delta accumulation,
// target_info) is decided here, once.
import type { DeltaToCumulative } from '../../pipeline/delta-to-cumulative.js';
import { rememberedSeries, type ExemplarPoint, type ExpHistogramPoint, type MetricMetadata, type MetricType, type SampleBatch, type SeriesDef } from '../../storage/batches.js';
import { ByteKeyCache } from './byte-key-cache.js';
import type { Rejections } from './decode-result.js';
import { formatPromFloat, prometheusMetricName, prometheusUnit, sanitizeLabelName, type NameKind } from './prometheus-naming.js';
import { finishLanes, labelLanes } from './series-fingerprint.js';
import { LITTLE_ENDIAN } from './u64.js';

export const TEMPORALITY_UNSPECIFIED = 0;
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;

/** DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK */
export const FLAG_NO_RECORDED_VALUE = 1;

/** Prometheus' stale marker: a NaN with this exact bit pattern. */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 0x00000002;


/** True when values[i] holds Prometheus' stale marker bits (not just any NaN). */
export function isStaleMarker(values: Float64Array, i: number): boolean {
  const w = new Uint32Array(values.buffer, values.byteOffset + i * 8, 2);
  return LITTLE_ENDIAN ? w[0] === STALE_NAN_LO && w[1] === STALE_NAN_HI : w[1] === STALE_NAN_LO && w[0] === STALE_NAN_HI;
}

export type OtlpMetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

export interface ExemplarIn {
  timeMs: number;
  value: number;
  traceId: string;
  spanId: string;
  attributes: string;
}

/** One data point of any kind; the decoders fill and reuse a single instance. */
export class MetricPoint {
  /** Attributes as raw [key, label value] pairs. */
  attrs: string[] = [];
  startNs = 0;
  timeNs = 0;
  startMs = 0;
  timeMs = 0;
  flags = 0;
  value = 0;
  count = 0;
  sum = 0;
  hasSum = false;
  min: number | null = null;
  max: number | null = null;
  bounds: number[] = [];
  counts: number[] = [];
  quantiles: number[] = [];
  quantileValues: number[] = [];
  scale = 0;
  zeroCount = 0;
  zeroThreshold = 0;
  positiveOffset = 0;
  positiveCounts: number[] = [];
  negativeOffset = 0;
  negativeCounts: number[] = [];
  exemplars: ExemplarIn[] = [];
  /** Protobuf only: payload bounds of each attribute (KeyValue) field, in pairs. */
  attrRanges: number[] = [];
  /** Protobuf only: the attribute fields' bytes run from attrFrom to attrTo (tags included)... */
  attrFrom = -1;
  attrTo = -1;
  /** ...unless another field sits between them. */
  attrSplit = false;
  /** The request bytes holding the attribute block (attrFrom..attrTo), the label cache key; unset when not cacheable. */
  labelBytes: Uint8Array | undefined = undefined;
  labelView: DataView | undefined = undefined;
  /** Labels found in the cache for labelKey. */
  labels: LabelSet | undefined = undefined;

  reset(): void {
    this.attrs = [];
    this.attrRanges = [];
    this.attrFrom = this.attrTo = -1;
    this.attrSplit = false;
    this.labelBytes = undefined;
    this.labelView = undefined;
    this.labels = undefined;
    this.startNs = this.timeNs = this.startMs = this.timeMs = 0;
    this.flags = 0;
    this.value = 0;
    this.count = 0;
    this.sum = 0;
    this.hasSum = false;
    this.min = this.max = null;
    this.bounds = [];
    this.counts = [];
    this.quantiles = [];
    this.quantileValues = [];
    this.scale = this.zeroCount = this.zeroThreshold = 0;
    this.positiveOffset = this.negativeOffset = 0;
    this.positiveCounts = [];
    this.negativeCounts = [];
    this.exemplars = [];
  }
}

const SCOPE_LABELS = new Set(['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url']);
/** Resource attributes that become job/instance instead of target_info labels. */
const IDENTIFYING = new Set(['service.name', 'service.namespace', 'service.instance.id']);

interface LabelEntry {
  name: string;
  original: string;
  value: string;
}

/** Sorted [name, value, ...] pairs plus the summed fingerprint lanes of those labels. */
interface LabelSet {
  pairs: string[];
  a: number;
  b: number;
  /**
   * Set on label sets kept in the label cache: fingerprints already computed from this set,
   * by metric name (no extra label), and by name then extra label value (`le`, `quantile`).
   */
  fps?: Map<string, SeriesEntry>;
  extraFps?: Map<string, { extraName: string; byValue: Map<string, SeriesEntry> }>;
}

/** A series of a cached label set: its fingerprint, definition, and the last builder that listed it. */
interface SeriesEntry {
  fp: number;
  def: SeriesDef;
  seenBy: number;
}

let builderIds = 0;

const lanes = { a: 0, b: 0 };

// Point labels by the raw bytes of the point's attribute block, per label context (job,
// instance and scope labels: everything else pointLabels reads). Each context is a key space
// of one ByteKeyCache (no string per point). Bounded; cleared wholesale when full, which only
// costs the rebuild.
const LABEL_CACHE_MAX = 200_000;
const labelCache = new ByteKeyCache<LabelSet>({ maxEntries: LABEL_CACHE_MAX });
/** Context text -> key space. Ids are never reused, so a space cleared away stays empty. */
const labelContexts = new Map<string, number>();
let lastContext = 0;

function clearLabelCaches(): void {
  // Builders still in a cleared context keep its id: their lookups miss until their scope ends.
  labelCache.clear();
  labelContexts.clear();
}

function labelContext(text: string): number {
  let id = labelContexts.get(text);
  if (id === undefined) {
    if (labelContexts.size >= LABEL_CACHE_MAX) clearLabelCaches();
    id = lastContext = (lastContext + 1) | 0 || 1;
    labelContexts.set(text, id);
  }
  return id;
}

// Series seen by earlier requests: a series that keeps reporting (nearly all of them) reuses
// its immutable SeriesDef instead of rebuilding and sorting its labels. One entry object per
// fingerprint (label sets in the label cache hold the same objects), so a builder lists a
// series once by marking its entry. Bounded; cleared wholesale when full (with the label
// caches, which hold entries too), which only costs the rebuild.
const KNOWN_SERIES_MAX = 200_000;
const knownSeries = new Map<number, SeriesEntry>();
/** Counts wholesale clears of knownSeries: a builder that lived through one dedupes its list. */
let knownSeriesEpoch = 0;

function seriesEntry(fp: number, name: string, pairs: string[], extraName: string, extraValue: string): SeriesEntry {
  const known = knownSeries.get(fp);
  if (known !== undefined) return known;
  if (knownSeries.size >= KNOWN_SERIES_MAX) {
    knownSeries.clear();
    clearLabelCaches();
    knownSeriesEpoch++;
  }
  const entry: SeriesEntry = { fp, def: defineSeries(fp, name, pairs, extraName, extraValue), seenBy: 0 };
  knownSeries.set(fp, entry);
  return entry;
}

function labelSet(pairs: string[]): LabelSet {
  let a = 0;
  let b = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    labelLanes(pairs[i], pairs[i + 1], lanes);
    a = (a + lanes.a) >>> 0;
    b = (b + lanes.b) >>> 0;
  }
  return { pairs, a, b };
}

export class SampleBatchBuilder {
  private fpCol = new Float64Array(256);
  private timeCol = new Float64Array(256);
  private valueCol = new Float64Array(256);
  private n = 0;
  private readonly series: SeriesDef[] = [];
  /** Marks the SeriesEntry objects this builder listed (no per-sample set of fingerprints). */
  private readonly id = ++builderIds;
  private readonly epoch = knownSeriesEpoch;
  private readonly nameLanes = new Map<string, [number, number]>();
  private readonly metadata: MetricMetadata[] = [];
  private readonly metadataNames = new Set<string>();
  private readonly expHistograms: ExpHistogramPoint[] = [];
  private readonly exemplars: ExemplarPoint[] = [];

  private job = '';
  private instance = '';
  private targetPairs: string[] = [];
  private resourceMaxMs = -Infinity;
  private resourceSamples = 0;

  private scopeEntries: LabelEntry[] = [];
  /** Key space of the label cache for the current resource + scope (0: none yet). */
  private labelSpace = 0;
  /** labelCache entry of the previous point (-1: none): its successor is tried first. */
  private prevLabelEntry = -1;

  private family = '';
  private metricName = '';
  private kind: OtlpMetricKind = 'gauge';
  private temporality = TEMPORALITY_CUMULATIVE;
  private monotonic = false;
  /** Why this metric's points are rejected, '' when they are accepted. */
  private metricReject = '';

  constructor(
    readonly tenant: string,
    private readonly rej: Rejections,
    private readonly delta?: DeltaToCumulative,
  ) {}

  /** Resource attributes as raw [key, label value] pairs. */
  beginResource(pairs: string[]): void {
    let service = '';
    let namespace = '';
    let instance = '';
    const target: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i];
      if (key === 'service.name') service = pairs[i + 1];
      else if (key === 'service.namespace') namespace = pairs[i + 1];
      else if (key === 'service.instance.id') instance = pairs[i + 1];
      if (!IDENTIFYING.has(key)) target.push(key, pairs[i + 1]);
    }
    // job is <service.namespace>/<service.name>, or <service.name> without a namespace.
    this.job = service === '' ? '' : namespace === '' ? service : `${namespace}/${service}`;
    this.instance = instance;
    this.targetPairs = target;
    this.resourceMaxMs = -Infinity;
    this.resourceSamples = 0;
    // A new job/instance: no cached labels until beginScope names the full context.
    this.labelSpace = 0;
  }

  /** Emits target_info (value 1) carrying the non-identifying resource attributes. */
  endResource(): void {
    if (this.resourceSamples === 0 || this.targetPairs.length === 0) return;
    const entries = toEntries(this.targetPairs);
    const base = labelSet(finishLabels(entries, this.job, this.instance));
    if (base.pairs.length === 0) return;
    this.addMetadata('target_info', 'gauge', '', 'Target metadata');
    const fp = this.seriesFp('target_info', base, '', '');
    this.push(fp, this.resourceMaxMs, 1);
  }

  beginScope(name: string, version: string, schemaUrl: string, attrPairs: string[]): void {
    const entries: LabelEntry[] = [];
    if (name !== '') entries.push({ name: 'otel_scope_name', original: 'otel_scope_name', value: name });
    if (version !== '') entries.push({ name: 'otel_scope_version', original: 'otel_scope_version', value: version });
    if (schemaUrl !== '') entries.push({ name: 'otel_scope_schema_url', original: 'otel_scope_schema_url', value: schemaUrl });
    for (let i = 0; i < attrPairs.length; i += 2) {
      const value = attrPairs[i + 1];
      const key = sanitizeLabelName(attrPairs[i]);
      if (key === '' || value === '') continue;
      const label = sanitizeLabelName('otel_scope_' + key);
      // Scope attributes may not impersonate the scope's own identity labels.
      if (SCOPE_LABELS.has(label)) continue;
      entries.push({ name: label, original: 'otel.scope.' + attrPairs[i], value });
    }
    this.scopeEntries = entries;
    let ctx = `${this.job}\u0000${this.instance}`;
    for (const e of entries) ctx += `\u0000${e.name}\u0001${e.original}\u0001${e.value}`;
    this.labelSpace = labelContext(ctx);
  }

  /** Sets p.labels from the label cache when its attribute bytes were seen in this context. */
  useCachedLabels(p: MetricPoint): boolean {
    if (this.labelSpace === 0 || p.labelView === undefined) return false;
    const k = labelCache.find(p.labelView, p.attrFrom, p.attrTo, this.labelSpace, this.prevLabelEntry);
    if (k < 0) return false;
    this.prevLabelEntry = k;
    p.labels = labelCache.value(k);
    return true;
  }

  /**
   * Starts a metric. Returns false when its points will all be rejected (unusable name,
   * unsupported temporality); callers still report each point so it is counted.
   */
  beginMetric(name: string, description: string, unit: string, kind: OtlpMetricKind, temporality: number, monotonic: boolean, typeHint: string): void {
    this.kind = kind;
    this.metricName = name;
    this.temporality = kind === 'gauge' || kind === 'summary' ? TEMPORALITY_CUMULATIVE : temporality;
    this.monotonic = kind === 'sum' && monotonic;
    this.metricReject = '';
    if (this.temporality === TEMPORALITY_DELTA && this.delta === undefined) {
      this.metricReject = `metric ${JSON.stringify(name)}: delta temporality is not accepted here`;
    } else if (this.temporality !== TEMPORALITY_DELTA && this.temporality !== TEMPORALITY_CUMULATIVE) {
      this.metricReject = `metric ${JSON.stringify(name)}: aggregation temporality must be DELTA (1) or CUMULATIVE (2), got ${temporality}`;
    }
    const nameKind: NameKind = kind === 'gauge' ? 'gauge' : this.monotonic ? 'counter' : 'other';
    this.family = prometheusMetricName(name, unit, nameKind);
    if (this.family === '') this.metricReject = `metric ${JSON.stringify(name)}: name has no characters usable in a Prometheus metric name`;
    if (this.metricReject !== '') return;
    let type: MetricType;
    switch (kind) {
      case 'gauge':
        type = typeHint === 'unknown' ? 'unknown' : 'gauge';
        break;
      case 'sum':
        type = this.monotonic ? 'counter' : 'gauge';
        break;
      case 'histogram':
        type = 'histogram';
        break;
      case 'exponential_histogram':
        type = 'exponentialhistogram';
        break;
      default:
        type = 'summary';
    }
    this.addMetadata(this.family, type, prometheusUnit(unit), description);
  }

  private rejectPoint(): boolean {
    if (this.metricReject === '') return false;
    this.rej.add(this.metricReject);
    return true;
  }

  private dropOutOfOrder(): void {
    this.rej.add(`metric ${JSON.stringify(this.metricName)}: delta point is not newer than the last one accumulated for its series`);
  }

  addNumber(p: MetricPoint): void {
    if (this.rejectPoint()) return;
    const base = this.pointLabels(p);
    const fp = this.seriesFp(this.family, base, '', '');
    if ((p.flags & FLAG_NO_RECORDED_VALUE) !== 0) {
      this.pushStale(fp, p.timeMs);
      return;
    }
    let value = p.value;
    if (this.temporality === TEMPORALITY_DELTA && this.delta !== undefined) {
      const state = this.delta.sum(this.tenant, fp, p.startNs, p.timeNs, value);
      if (state === null) return this.dropOutOfOrder();
      value = state.value;
    }
    this.push(fp, p.timeMs, value);
    // Only counters keep exemplars (gauges and non-monotonic sums drop them, per the spec).
    if (this.monotonic) for (const ex of p.exemplars) this.addExemplar(fp, ex);
  }

  addHistogram(p: MetricPoint): void {
    if (this.rejectPoint()) return;
    const base = this.pointLabels(p);
    const family = this.family;
    const bucketName = family + '_bucket';
    const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
    let counts = p.counts;
    let count = p.count;
    let sum = p.sum;
    if (!stale && this.temporality === TEMPORALITY_DELTA && this.delta !== undefined) {
      const state = this.delta.histogram(this.tenant, this.seriesFp(family, base, '', '', false), p.startNs, p.timeNs, p.bounds, counts, count, p.hasSum ? sum : 0);
      if (state === null) return this.dropOutOfOrder();
      counts = state.counts;
      count = state.count;
      sum = state.sum;
    }
    const bounds = p.bounds;
    const ms = p.timeMs;
    const bucketFps: number[] = [];
    let cumulative = 0;
    if (counts.length > 0) {
      for (let i = 0; i < bounds.length; i++) {
        cumulative += i < counts.length ? counts[i] : 0;
        const fp = this.seriesFp(bucketName, base, 'le', formatPromFloat(bounds[i]));
        bucketFps.push(fp);
        if (stale) this.pushStale(fp, ms);
        else this.push(fp, ms, cumulative);
      }
    }
    // The +Inf bucket is the total count by definition.
    const infFp = this.seriesFp(bucketName, base, 'le', '+Inf');
    bucketFps.push(infFp);
    if (stale) this.pushStale(infFp, ms);
    else this.push(infFp, ms, count);
    if (p.hasSum) {
      const fp = this.seriesFp(family + '_sum', base, '', '');
      if (stale) this.pushStale(fp, ms);
      else this.push(fp, ms, sum);
    }
    const countFp = this.seriesFp(family + '_count', base, '', '');
    if (stale) this.pushStale(countFp, ms);
    else this.push(countFp, ms, count);
    for (const ex of p.exemplars) {
      let b = 0;
      while (b < bounds.length && b < bucketFps.length - 1 && ex.value > bounds[b]) b++;
      this.addExemplar(counts.length > 0 ? bucketFps[b] : infFp, ex);
    }
  }

  addExpHistogram(p: MetricPoint): void {
    if (this.rejectPoint()) return;
    const base = this.pointLabels(p);
    const family = this.family;
    const fp = this.seriesFp(family, base, '', '');
    const ms = p.timeMs;
    const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
    let row: ExpHistogramPoint = {
      fingerprint: fp,
      timeMs: ms,
      startTimeMs: p.startMs,
      count: p.count,
      sum: p.hasSum ? p.sum : NaN,
      min: p.min,
      max: p.max,
      scale: p.scale,
      zeroCount: p.zeroCount,
      zeroThreshold: p.zeroThreshold,
      positiveOffset: p.positiveOffset,
      positiveCounts: p.positiveCounts,
      negativeOffset: p.negativeOffset,
      negativeCounts: p.negativeCounts,
      flags: p.flags,
    };
    if (!stale && this.temporality === TEMPORALITY_DELTA && this.delta !== undefined) {
      const state = this.delta.expHistogram(this.tenant, fp, p.startNs, p.timeNs, {
        count: p.count,
        sum: p.hasSum ? p.sum : 0,
        min: p.min,
        max: p.max,
        scale: p.scale,
        zeroCount: p.zeroCount,
        zeroThreshold: p.zeroThreshold,
        positive: { offset: p.positiveOffset, counts: p.positiveCounts },
        negative: { offset: p.negativeOffset, counts: p.negativeCounts },
      });
      if (state === null) return this.dropOutOfOrder();
      row = {
        ...row,
        startTimeMs: Math.floor(state.startNs / 1e6),
        count: state.count,
        sum: p.hasSum ? state.sum : NaN,
        min: state.min,
        max: state.max,
        scale: state.scale,
        zeroCount: state.zeroCount,
        positiveOffset: state.positive.offset,
        positiveCounts: state.positive.counts.slice(),
        negativeOffset: state.negative.offset,
        negativeCounts: state.negative.counts.slice(),
      };
    }
    if (stale) {
      row.count = 0;
      row.zeroCount = 0;
      row.positiveCounts = [];
      row.negativeCounts = [];
    }
    this.expHistograms.push(row);
    this.noteResourceSample(ms);
    if (p.hasSum || stale) {
      const sumFp = this.seriesFp(family + '_sum', base, '', '');
      if (stale) this.pushStale(sumFp, ms);
      else this.push(sumFp, ms, row.sum);
    }
    const countFp = this.seriesFp(family + '_count', base, '', '');
    if (stale) this.pushStale(countFp, ms);
    else this.push(countFp, ms, row.count);
    for (const ex of p.exemplars) this.addExemplar(fp, ex);
  }

  addSummary(p: MetricPoint): void {
    if (this.rejectPoint()) return;
    const base = this.pointLabels(p);
    const family = this.family;
    const ms = p.timeMs;
    const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
    for (let i = 0; i < p.quantiles.length; i++) {
      const fp = this.seriesFp(family, base, 'quantile', formatPromFloat(p.quantiles[i]));
      if (stale) this.pushStale(fp, ms);
      else this.push(fp, ms, p.quantileValues[i]);
    }
    const sumFp = this.seriesFp(family + '_sum', base, '', '');
    const countFp = this.seriesFp(family + '_count', base, '', '');
    if (stale) {
      this.pushStale(sumFp, ms);
      this.pushStale(countFp, ms);
    } else {
      this.push(sumFp, ms, p.sum);
      this.push(countFp, ms, p.count);
    }
  }

  finish(): SampleBatch {
    const n = this.n;
    if (this.epoch !== knownSeriesEpoch) {
      // knownSeries was cleared while this request was decoded: a series may now have two
      // entry objects (an old one in a label set this builder still holds): list it once.
      const seen = new Set<number>();
      const unique = this.series.filter((d) => !seen.has(d.fingerprint) && seen.add(d.fingerprint) !== undefined);
      this.series.length = 0;
      this.series.push(...unique);
    }
    return {
      kind: 'samples',
      tenant: this.tenant,
      length: n,
      fingerprint: this.fpCol.subarray(0, n),
      timeMs: this.timeCol.subarray(0, n),
      value: this.valueCol.subarray(0, n),
      series: this.series,
      metadata: this.metadata,
      expHistograms: this.expHistograms,
      exemplars: this.exemplars,
    };
  }

  private addMetadata(name: string, type: MetricType, unit: string, help: string): void {
    // Per metric name one TYPE/UNIT/HELP; the first seen in the request wins.
    if (this.metadataNames.has(name)) return;
    this.metadataNames.add(name);
    this.metadata.push({ name, type, unit, help });
  }

  private addExemplar(fp: number, ex: ExemplarIn): void {
    this.exemplars.push({ fingerprint: fp, timeMs: ex.timeMs, value: ex.value, traceId: ex.traceId, spanId: ex.spanId, attributes: ex.attributes });
  }

  /** Point attributes + scope labels + job/instance, sanitised, merged and sorted by name. */
  private pointLabels(p: MetricPoint): LabelSet {
    if (p.labels !== undefined) return p.labels;
    const entries = toEntries(p.attrs);
    for (const e of this.scopeEntries) entries.push(e);
    const set = labelSet(finishLabels(entries, this.job, this.instance));
    if (p.labelBytes !== undefined && p.labelView !== undefined && this.labelSpace !== 0) {
      set.fps = new Map();
      set.extraFps = new Map();
      this.prevLabelEntry = labelCache.set(p.labelBytes, p.labelView, p.attrFrom, p.attrTo, set, this.labelSpace, this.prevLabelEntry);
    }
    return set;
  }

  /**
   * Fingerprint of name + base labels (+ one extra label such as le/quantile, which overrides
   * an attribute of the same name); registers the series the first time it is seen.
   */
  private seriesFp(name: string, base: LabelSet, extraName: string, extraValue: string, register = true): number {
    let entry: SeriesEntry | undefined;
    if (base.fps !== undefined) {
      // Label sets from the cache remember their series (a series repeats in every export):
      // no label hashing and no lookup by fingerprint per sample.
      let byValue: Map<string, SeriesEntry> | undefined;
      if (extraName === '') entry = base.fps.get(name);
      else {
        const e = base.extraFps!.get(name);
        if (e === undefined) base.extraFps!.set(name, { extraName, byValue: (byValue = new Map()) });
        else if (e.extraName === extraName) byValue = e.byValue;
        entry = byValue?.get(extraValue);
      }
      if (entry === undefined) {
        entry = seriesEntry(this.computeFp(name, base, extraName, extraValue), name, base.pairs, extraName, extraValue);
        if (extraName === '') base.fps.set(name, entry);
        else byValue?.set(extraValue, entry);
      }
    } else {
      const fp = this.computeFp(name, base, extraName, extraValue);
      if (!register) return fp;
      entry = seriesEntry(fp, name, base.pairs, extraName, extraValue);
    }
    if (register && entry.seenBy !== this.id) {
      entry.seenBy = this.id;
      this.series.push(entry.def);
    }
    return entry.fp;
  }

  /** Fingerprint lanes of name + base labels, with the extra label replacing an attribute of its name. */
  private computeFp(name: string, base: LabelSet, extraName: string, extraValue: string): number {
    let a = base.a;
    let b = base.b;
    let nameLanes = this.nameLanes.get(name);
    if (nameLanes === undefined) {
      labelLanes('__name__', name, lanes);
      nameLanes = [lanes.a, lanes.b];
      this.nameLanes.set(name, nameLanes);
    }
    a += nameLanes[0];
    b += nameLanes[1];
    const pairs = base.pairs;
    if (extraName !== '') {
      // An attribute of the same name (say "le") gives way to the label this mapping adds.
      for (let i = 0; i < pairs.length; i += 2) {
        if (pairs[i] === extraName) {
          labelLanes(pairs[i], pairs[i + 1], lanes);
          a -= lanes.a;
          b -= lanes.b;
          break;
        }
      }
      if (extraValue !== '') {
        labelLanes(extraName, extraValue, lanes);
        a += lanes.a;
        b += lanes.b;
      }
    }
    return finishLanes(a >>> 0, b >>> 0);
  }

  private noteResourceSample(ms: number): void {
    this.resourceSamples++;
    if (ms > this.resourceMaxMs) this.resourceMaxMs = ms;
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
  }

  private push(fp: number, ms: number, value: number): void {
    if (this.n === this.fpCol.length) this.grow();
    const i = this.n++;
    this.fpCol[i] = fp;
    this.timeCol[i] = ms;
    this.valueCol[i] = value;
    this.noteResourceSample(ms);
  }

  private pushStale(fp: number, ms: number): void {
    this.push(fp, ms, 0);
    // Written as raw bits: a NaN computed in JS may be canonicalised and lose the payload.
    const words = new Uint32Array(this.valueCol.buffer, (this.n - 1) * 8, 2);
    words[LITTLE_ENDIAN ? 0 : 1] = STALE_NAN_LO;
    words[LITTLE_ENDIAN ? 1 : 0] = STALE_NAN_HI;
  }
}

/** A new series' definition: its labels sorted by name, empty values left out. */
function defineSeries(fp: number, name: string, pairs: string[], extraName: string, extraValue: string): SeriesDef {
  const all: [string, string][] = [['__name__', name]];
  for (let i = 0; i < pairs.length; i += 2) if (extraName === '' || pairs[i] !== extraName) all.push([pairs[i], pairs[i + 1]]);
  if (extraName !== '') all.push([extraName, extraValue]);
  all.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const labels: Record<string, string> = {};
  for (const [k, v] of all) if (v !== '') labels[k] = v;
  return rememberedSeries(fp, name, labels);
}

function toEntries(pairs: string[]): LabelEntry[] {
  const out: LabelEntry[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const value = pairs[i + 1];
    if (value === '') continue;
    const name = sanitizeLabelName(pairs[i]);
    if (name === '') continue;
    out.push({ name, original: pairs[i], value });
  }
  return out;
}

/**
 * Sorts by label name; labels that collide after sanitising are joined with ';' in the order of
 * their original keys (spec: "Metric Attributes"). job and instance come from the resource and
 * win over attributes of the same name, as in Prometheus' OTLP receiver.
 */
function finishLabels(entries: LabelEntry[], job: string, instance: string): string[] {
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.original < b.original ? -1 : a.original > b.original ? 1 : 0));
  const out: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if ((e.name === 'job' && job !== '') || (e.name === 'instance' && instance !== '')) continue;
    if (out.length > 0 && out[out.length - 2] === e.name) {
      out[out.length - 1] += ';' + e.value;
    } else {
      out.push(e.name, e.value);
    }
  }
  if (job !== '') insertSorted(out, 'job', job);
  if (instance !== '') insertSorted(out, 'instance', instance);
  return out;
}

function insertSorted(pairs: string[], name: string, value: string): void {
  let i = 0;
  while (i < pairs.length && pairs[i] < name) i += 2;
  pairs.splice(i, 0, name, value);
}
