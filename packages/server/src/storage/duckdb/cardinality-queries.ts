// Cardinality reads over the series catalog and the per-hour activity index (series_hours):
// which series had samples in a range, how they spread over metric names, labels and label
// values, and how many were active / first seen per hour. Samples themselves are never read.
import { MAX_CARDINALITY_HOURS, type ActiveSeriesRow, type CardinalityQuery, type CardinalityStats } from '../store.js';
import { SightlineError } from '../../errors.js';
import { parseLabels } from './json-text.js';
import { daysForMs, unionAll, withPartitions } from './partition-query.js';
import type { Partition, PartitionSet } from './partitions.js';
import type { ReaderPool } from './reader-pool.js';
import { CATALOG_ALIAS } from './schema.js';
import { Params } from './sql.js';
import { HOUR_MS } from './time.js';

const SERIES = `"${CATALOG_ALIAS}".main.series`;

function hoursOf(p: Params, parts: readonly Partition[], tenant: string | undefined, startMs: number, endMs: number): string {
  const conds = [`hour BETWEEN ${p.bigint(Math.floor(startMs / HOUR_MS))} AND ${p.bigint(Math.floor(endMs / HOUR_MS))}`];
  if (tenant !== undefined) conds.push(`tenant = ${p.varchar(tenant)}`);
  return unionAll(parts, 'series_hours', (from) => `SELECT tenant, fingerprint, hour FROM ${from} WHERE ${conds.join(' AND ')}`);
}

export class CardinalityQueries {
  constructor(
    private readonly set: PartitionSet,
    private readonly pool: ReaderPool,
  ) {}

  /** Every tenant's series with samples in the range, with the last hour they had data in. */
  async activeSeries(startMs: number, endMs: number): Promise<ActiveSeriesRow[]> {
    return withPartitions(this.set, daysForMs(this.set, startMs, endMs), [] as ActiveSeriesRow[], async (parts) => {
      const p = new Params();
      const sql = `SELECT s.tenant, s.fingerprint::DOUBLE, s.name, s.labels, a.last_hour::DOUBLE
        FROM (SELECT tenant, fingerprint, max(hour) AS last_hour FROM (${hoursOf(p, parts, undefined, startMs, endMs)}) GROUP BY tenant, fingerprint) a
        JOIN ${SERIES} s ON s.tenant = a.tenant AND s.fingerprint = a.fingerprint`;
      const rows = (await this.pool.query(sql, p)).getRows() as [string, number, string, string, number][];
      // The hour is the finest activity the index keeps: the series counts as seen at its end.
      return rows.map(([tenant, fingerprint, name, labels, lastHour]) => ({ tenant, fingerprint, name, labels: parseLabels(labels), lastSeenMs: Math.min(endMs, (lastHour + 1) * HOUR_MS - 1) }));
    });
  }

  async cardinality(q: CardinalityQuery): Promise<CardinalityStats> {
    const firstHour = Math.floor(q.startMs / HOUR_MS);
    const lastHour = Math.floor(q.endMs / HOUR_MS);
    if (lastHour - firstHour + 1 > MAX_CARDINALITY_HOURS) {
      throw new SightlineError('SL_ERR_INVALID_PARAM', `the window spans ${lastHour - firstHour + 1} hours; at most ${MAX_CARDINALITY_HOURS} (about 416 days) per request`);
    }
    const growth = new Map<number, { timeMs: number; series: number; newSeries: number }>();
    for (let h = firstHour; h <= lastHour; h++) growth.set(h, { timeMs: h * HOUR_MS, series: 0, newSeries: 0 });

    // First seen = registered in the catalog (created_ms, the store's clock when the series
    // arrived), which needs no scan of partitions before the window.
    {
      const p = new Params();
      const conds = [`tenant = ${p.varchar(q.tenant)}`, `created_ms BETWEEN ${p.bigint(firstHour * HOUR_MS)} AND ${p.bigint((lastHour + 1) * HOUR_MS - 1)}`];
      if (q.metric !== undefined) conds.push(`name = ${p.varchar(q.metric)}`);
      const sql = `SELECT (created_ms // ${HOUR_MS})::DOUBLE AS h, count(*)::DOUBLE FROM ${SERIES} WHERE ${conds.join(' AND ')} GROUP BY h`;
      for (const [h, n] of (await this.pool.query(sql, p)).getRows() as [number, number][]) {
        const b = growth.get(h);
        if (b) b.newSeries = n;
      }
    }

    const empty: CardinalityStats = { totalSeries: 0, topMetrics: [], topLabels: [], topLabelValues: [], growth: [...growth.values()] };
    return withPartitions(this.set, daysForMs(this.set, q.startMs, q.endMs), empty, async (parts) => {
      // Each statement re-derives the window's series; DuckDB plans the CTE per statement, and
      // one statement per answer part keeps every part a plain GROUP BY.
      const base = (p: Params) => {
        const conds = [`s.tenant = ${p.varchar(q.tenant)}`];
        if (q.metric !== undefined) conds.push(`s.name = ${p.varchar(q.metric)}`);
        return `WITH h AS (${hoursOf(p, parts, q.tenant, q.startMs, q.endMs)}),
          w AS (SELECT s.fingerprint, s.name, s.labels FROM ${SERIES} s WHERE ${conds.join(' AND ')} AND s.fingerprint IN (SELECT fingerprint FROM h)),
          pairs AS (SELECT e.key AS k, e.value AS v FROM (SELECT unnest(map_entries(json_transform(labels, '"MAP(VARCHAR, VARCHAR)"'))) AS e FROM w) WHERE e.key <> '__name__')`;
      };
      const run = async (select: (p: Params) => string): Promise<unknown[][]> => {
        const p = new Params();
        const sql = `${base(p)} ${select(p)}`;
        return (await this.pool.query(sql, p)).getRows() as unknown[][];
      };
      const [[total]] = (await run(() => `SELECT count(*)::DOUBLE FROM w`)) as [[number]];
      const topMetrics = (await run((p) => `SELECT name, count(*)::DOUBLE AS n FROM w GROUP BY name ORDER BY n DESC, name LIMIT ${p.bigint(q.limit)}`)) as [string, number][];
      const topLabels = (await run(
        (p) => `SELECT k, count(DISTINCT v)::DOUBLE AS d, count(*)::DOUBLE AS n FROM pairs GROUP BY k ORDER BY d DESC, n DESC, k LIMIT ${p.bigint(q.limit)}`,
      )) as [string, number, number][];
      const topValues = (await run((p) => `SELECT k, v, count(*)::DOUBLE AS n FROM pairs GROUP BY k, v ORDER BY n DESC, k, v LIMIT ${p.bigint(q.limit)}`)) as [string, string, number][];
      const perHour = (await run(() => `SELECT hour::DOUBLE, count(DISTINCT fingerprint)::DOUBLE FROM h WHERE fingerprint IN (SELECT fingerprint FROM w) GROUP BY hour`)) as [number, number][];
      for (const [hour, n] of perHour) {
        const b = growth.get(hour);
        if (b) b.series = n;
      }
      return {
        totalSeries: total,
        topMetrics: topMetrics.map(([name, series]) => ({ name, series })),
        topLabels: topLabels.map(([name, distinctValues, series]) => ({ name, distinctValues, series })),
        topLabelValues: topValues.map(([name, value, series]) => ({ name, value, series })),
        growth: [...growth.values()],
      };
    });
  }
}
