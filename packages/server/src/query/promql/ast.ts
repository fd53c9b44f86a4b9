// The PromQL syntax tree the evaluator works on (built from the lezer tree by parser.ts).
// Times are ms; `at` is an absolute ms time or the start()/end() preprocessor.

export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

export interface LabelMatcher {
  name: string;
  type: '=' | '!=' | '=~' | '!~';
  value: string;
}

export type AtModifier = number | 'start' | 'end';

export interface VectorSelector {
  kind: 'VectorSelector';
  name?: string;
  matchers: LabelMatcher[];
  offsetMs: number;
  at?: AtModifier;
}

export interface MatrixSelector {
  kind: 'MatrixSelector';
  selector: VectorSelector;
  rangeMs: number;
}

export interface SubqueryExpr {
  kind: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  /** 0 means the engine's default subquery step. */
  stepMs: number;
  offsetMs: number;
  at?: AtModifier;
}

export interface NumberLiteral { kind: 'NumberLiteral'; value: number }
export interface StringLiteral { kind: 'StringLiteral'; value: string }
export interface ParenExpr { kind: 'ParenExpr'; expr: Expr }
export interface UnaryExpr { kind: 'UnaryExpr'; op: '-' | '+'; expr: Expr }

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless';

export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  on: boolean;
  labels: string[];
  include: string[];
}

export interface BinaryExpr {
  kind: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  matching?: VectorMatching;
}

export type AggregateOp =
  | 'sum' | 'min' | 'max' | 'avg' | 'group' | 'stddev' | 'stdvar' | 'count'
  | 'count_values' | 'bottomk' | 'topk' | 'quantile' | 'limitk' | 'limit_ratio';

export interface AggregateExpr {
  kind: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  param?: Expr;
  grouping: string[];
  without: boolean;
}

export interface Call {
  kind: 'Call';
  func: string;
  args: Expr[];
}

export type Expr =
  | VectorSelector | MatrixSelector | SubqueryExpr | NumberLiteral | StringLiteral
  | ParenExpr | UnaryExpr | BinaryExpr | AggregateExpr | Call;

/** The static type of an expression (Prometheus parser.Expr.Type()). */
export function exprType(e: Expr): ValueType {
  switch (e.kind) {
    case 'VectorSelector': return 'vector';
    case 'MatrixSelector': case 'SubqueryExpr': return 'matrix';
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'ParenExpr': return exprType(e.expr);
    case 'UnaryExpr': return exprType(e.expr);
    case 'BinaryExpr': return exprType(e.lhs) === 'scalar' && exprType(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'AggregateExpr': return 'vector';
    case 'Call': return FUNCTIONS[e.func]!.returnType;
  }
}

export interface FunctionSignature {
  argTypes: ValueType[];
  /** Number of trailing optional arguments (-1: last argument repeats, as in label_join). */
  variadic: number;
  returnType: ValueType;
}

const v = 'vector', m = 'matrix', s = 'scalar', str = 'string';
const fn = (argTypes: ValueType[], returnType: ValueType, variadic = 0): FunctionSignature => ({ argTypes, returnType, variadic });

/** Prometheus 2.x functions (promql/parser/functions.go), including the experimental ones 2.55 ships. */
export const FUNCTIONS: Record<string, FunctionSignature> = {
  abs: fn([v], v), absent: fn([v], v), absent_over_time: fn([m], v),
  acos: fn([v], v), acosh: fn([v], v), asin: fn([v], v), asinh: fn([v], v), atan: fn([v], v), atanh: fn([v], v),
  avg_over_time: fn([m], v), ceil: fn([v], v), changes: fn([m], v),
  clamp: fn([v, s, s], v), clamp_max: fn([v, s], v), clamp_min: fn([v, s], v),
  cos: fn([v], v), cosh: fn([v], v), count_over_time: fn([m], v),
  days_in_month: fn([v], v, 1), day_of_month: fn([v], v, 1), day_of_week: fn([v], v, 1), day_of_year: fn([v], v, 1),
  deg: fn([v], v), delta: fn([m], v), deriv: fn([m], v), exp: fn([v], v), floor: fn([v], v),
  histogram_quantile: fn([s, v], v), holt_winters: fn([m, s, s], v),
  // Native-histogram functions: they ignore float samples, so over classic data they return nothing.
  histogram_count: fn([v], v), histogram_sum: fn([v], v), histogram_avg: fn([v], v),
  histogram_stddev: fn([v], v), histogram_stdvar: fn([v], v), histogram_fraction: fn([s, s, v], v),
  hour: fn([v], v, 1), idelta: fn([m], v), increase: fn([m], v), irate: fn([m], v),
  label_replace: fn([v, str, str, str, str], v), label_join: fn([v, str, str, str], v, -1),
  last_over_time: fn([m], v), ln: fn([v], v), log10: fn([v], v), log2: fn([v], v),
  max_over_time: fn([m], v), min_over_time: fn([m], v), minute: fn([v], v, 1), month: fn([v], v, 1),
  pi: fn([], s), predict_linear: fn([m, s], v), present_over_time: fn([m], v),
  quantile_over_time: fn([s, m], v), rad: fn([v], v), rate: fn([m], v), resets: fn([m], v),
  round: fn([v, s], v, 1), scalar: fn([v], s), sgn: fn([v], v), sin: fn([v], v), sinh: fn([v], v),
  sort: fn([v], v), sort_desc: fn([v], v), sort_by_label: fn([v, str], v, -1), sort_by_label_desc: fn([v, str], v, -1),
  sqrt: fn([v], v), stddev_over_time: fn([m], v), stdvar_over_time: fn([m], v), sum_over_time: fn([m], v),
  mad_over_time: fn([m], v),
  tan: fn([v], v), tanh: fn([v], v), time: fn([], s), timestamp: fn([v], v), vector: fn([s], v), year: fn([v], v, 1),
};
