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
