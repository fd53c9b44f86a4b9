export { correlateTrace, type CorrelatedItem, type CorrelatedTrace } from './correlate.js';
