// Reads of a rollup tier: series by label matchers (through the tier's tier_series index, so
// series whose raw samples are gone are still found), then one point per bucket.
import { SightlineError } from '../../errors.js';
import { bucketStart, partitionOfDay, rowIsStale, tierSpec } from '../rollup-tiers.js';
import type { RollupSelectQuery, RollupSeries } from '../store.js';
import { parseLabels } from './json-text.js';
import { matcherConditions } from './metric-queries.js';
import { unionAll, withPartitions } from './partition-query.js';
import type { ReaderPool } from './reader-pool.js';
import type { TierSets } from './rollups.js';
import { CATALOG_ALIAS } from './schema.js';
import { Params } from './sql.js';
import { dayOfMs } from './time.js';

const MAX_SAMPLES = 10_000_000;
/** The staleness marker, stored by copying bytes so no NaN ever passes through a JS number. */
const STALE_BYTES = new Uint8Array(new BigUint64Array([0x7ff0000000000002n]).buffer);
const VALUE_COLUMN = { last: 'last', min: 'min', max: 'max', sum: 'sum', count: 'count', avg: 'sum' } as const;

export async function selectRollup(tiers: TierSets, pool: ReaderPool, q: RollupSelectQuery): Promise<RollupSeries[]> {
  const spec = tierSpec(q.tier);
  const set = tiers[q.tier];
  if (!(q.endMs >= q.startMs)) return [];
  // A point sits at its bucket's last sample, so the bucket holding startMs may hold points in range.
  const firstBucket = bucketStart(q.startMs, spec.resolutionMs);
  const days = set.daysIn(partitionOfDay(dayOfMs(firstBucket), spec.partitionDays), dayOfMs(q.endMs));
  const limit = Math.min(Math.max(1, Math.floor(q.maxSamples)), MAX_SAMPLES);
  return withPartitions(set, days, [] as RollupSeries[], async (parts) => {
    const p = new Params();
    const conds = matcherConditions(p, q.tenant, q.matchers);
    const t = p.varchar(q.tenant);
    conds.push(`fingerprint IN (${unionAll(parts, 'tier_series', (from) => `SELECT fingerprint FROM ${from} WHERE tenant = ${t}`)})`);
    const series = (await pool.query(`SELECT fingerprint::DOUBLE, labels FROM "${CATALOG_ALIAS}".main.series WHERE ${conds.join(' AND ')} ORDER BY fingerprint`, p)).getRows() as [number, string][];
    if (series.length === 0) return [];
    const labels = new Map(series.map(([fp, l]) => [fp, parseLabels(l)]));
    const r = new Params();
    const where = `tenant = ${r.varchar(q.tenant)} AND bucket_ms BETWEEN ${r.bigint(firstBucket)} AND ${r.bigint(q.endMs)}
      AND fingerprint IN (SELECT unnest(${r.bigintList(series.map(([fp]) => fp))}))`;
    const col = VALUE_COLUMN[q.aggregate];
    const sql = `SELECT fingerprint::DOUBLE, count, ${col}, last_ms::DOUBLE, stale_ms::DOUBLE FROM (${unionAll(parts, 'rollups', (from) => `SELECT * FROM ${from} WHERE ${where}`)})
      ORDER BY fingerprint, bucket_ms LIMIT ${r.bigint(limit + 1)}`;
    const cols = (await pool.query(sql, r)).getColumns() as number[][];
    const [fps = [], counts = [], values = [], lastMs = [], staleMs = []] = cols;
    if (fps.length > limit) {
      throw new SightlineError('SL_ERR_TOO_MANY_SAMPLES', `the selector matches more than ${limit} samples in the range; narrow the time range or the selector`);
    }
    // Two points at most per row (its value, then a staleness marker), written straight into
    // typed arrays; each series gets views of its part.
    const n = fps.length;
    const ts = new Float64Array(2 * n);
    const vs = new Float64Array(2 * n);
    const cs = q.aggregate === 'avg' ? new Float64Array(2 * n) : undefined;
    const out: RollupSeries[] = [];
    let k = 0;
    let begin = 0;
    let curFp = NaN;
    const close = () => {
      if (k > begin) {
        const s: RollupSeries = { fingerprint: curFp, labels: labels.get(curFp) ?? {}, timestampsMs: ts.subarray(begin, k), values: vs.subarray(begin, k) };
        if (cs) s.counts = cs.subarray(begin, k);
        out.push(s);
      }
      begin = k;
    };
    for (let i = 0; i < n; i++) {
      const fp = fps[i]!;
      if (fp !== curFp) {
        close();
        curFp = fp;
      }
      const c = counts[i]!;
      const last = lastMs[i]!;
      if (c > 0 && last >= q.startMs && last <= q.endMs) {
        ts[k] = last;
        vs[k] = values[i]!;
        if (cs) cs[k] = c;
        k++;
      }
      const stale = staleMs[i]!;
      if (rowIsStale(c, last, stale) && stale >= q.startMs && stale <= q.endMs) {
        ts[k] = stale;
        new Uint8Array(vs.buffer, k * 8, 8).set(STALE_BYTES);
        k++;
      }
    }
    close();
    return out;
  });
}
