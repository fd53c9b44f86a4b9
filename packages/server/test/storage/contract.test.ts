import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbStore } from '../../src/storage/index.js';
import { runStoreContract } from './contract.js';
import { runCardinalityContract } from './cardinality-contract.js';

runStoreContract('duckdb', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sightline-store-'));
  return {
    open: (clock) => createDuckDbStore({ dataDir, clock, readConnections: 2 }),
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
});

runCardinalityContract('duckdb', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sightline-store-'));
  return {
    open: (clock) => createDuckDbStore({ dataDir, clock, readConnections: 2 }),
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
});

// The same contract with every raw sample sealed into compact blocks before each metric read:
// sealed and raw data must be indistinguishable to readers.
const SEALED_READS = new Set(['selectSeries', 'readSamples', 'buildRollups', 'stats', 'selectRollup']);
runStoreContract('duckdb, samples sealed before reads', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sightline-store-'));
  return {
    open: async (clock) => {
      const store = await createDuckDbStore({ dataDir, clock, readConnections: 2 });
      return new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (typeof v !== 'function') return v;
          if (!SEALED_READS.has(String(prop))) return v.bind(target);
          return async (...args: unknown[]) => {
            await target.sealSamples(8.64e15);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
});
