// PromQL: parse with the lezer grammar, evaluate in TypeScript with Prometheus 2.x semantics.
export { parsePromQL, matchLabelValue } from './parser.js';
export {
  createPromEngine,
  type PromEngine, type PromEngineOptions, type PromResult, type PromValue, type QueryStats, type SelectedSeries, type SelectHint, type SeriesSource,
} from './engine.js';
export { PromQLError } from './errors.js';
export { createStoreSeriesSource } from './store-source.js';
export { chooseTier, tierFits, type TierInfo, type TierState } from './tier-choice.js';
export { MemorySeriesSource, type MemorySeries } from './memory-source.js';
export { formatPromFloat } from './format.js';
export { isStaleNaN, staleNaN } from './float-math.js';
export type {
  AggregateExpr, BinaryExpr, Call, Expr, LabelMatcher, MatrixSelector, NumberLiteral, ParenExpr, StringLiteral,
  SubqueryExpr, UnaryExpr, ValueType, VectorSelector,
} from './ast.js';
export { exprType } from './ast.js';
