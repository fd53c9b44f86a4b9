import { describe, expect, it } from 'vitest';
import { LabeledSampleBuilder } from '../../../src/ingest/wire/labeled-sample-builder.js';

const fps = (b: LabeledSampleBuilder) => b.finish().series.map((s) => s.fingerprint);

describe('LabeledSampleBuilder', () => {
  it('lists each series once per batch, through labels, label pairs and cached definitions alike', () => {
    const b = new LabeledSampleBuilder('t');
    const fp = b.add({ __name__: 'up', job: 'a' }, 1, 1);
    b.add({ job: 'a', __name__: 'up' }, 2, 1);
    expect(b.seriesOfPairs(['job', '__name__'], ['a', 'up'], 2)).toBe(fp);
    b.seriesOfDef(b.defOf(fp)!);
    b.add({ __name__: 'up', job: 'b' }, 3, 1);
    expect(fps(b)).toHaveLength(2);
    expect(fps(b)[0]).toBe(fp);
  });

  it('lists a series in every batch that uses it, also when batches are filled at the same time', () => {
    const older = new LabeledSampleBuilder('t');
    const newer = new LabeledSampleBuilder('t');
    const labels = { __name__: 'shared', job: 'x' };
    older.add(labels, 1, 1);
    newer.add(labels, 1, 1);
    // Filled alternately (a recording rule's batch across awaits): each lists it once.
    older.add(labels, 2, 1);
    newer.add(labels, 2, 1);
    older.add({ __name__: 'other' }, 3, 1);
    newer.add(labels, 3, 1);
    older.add(labels, 4, 1);
    expect(fps(older)).toHaveLength(2);
    expect(fps(newer)).toHaveLength(1);
    // A later batch lists it again.
    const later = new LabeledSampleBuilder('t');
    later.add(labels, 5, 1);
    expect(fps(later)).toHaveLength(1);
  });

  it('lists a series once even when the cache of known series is cleared in the middle of a batch', () => {
    const b = new LabeledSampleBuilder('t');
    const first = b.add({ __name__: 'survivor', job: 'x' }, 1, 1);
    // Enough new series to clear the module's known-series cache (200,000) wholesale.
    const filler = new LabeledSampleBuilder('t');
    for (let i = 0; i < 200_001; i++) filler.seriesOf({ __name__: 'filler', i: String(i) });
    b.add({ __name__: 'survivor', job: 'x' }, 2, 1);
    const list = fps(b);
    expect(list).toEqual([first]);
  });
});
