export { createSelfMetrics, type SelfMetrics, type SignalName, type Transport } from './self-metrics.js';
