// PromQL text -> AST. The lezer grammar (@prometheus-io/lezer-promql) never throws: it builds a
// tree with error nodes, so syntax errors are found by walking the tree, and the semantic
// checks Prometheus' own parser does (types, modifiers, matchers) are done here while building
// the AST. Errors use Prometheus' "line:col: parse error: ..." shape.
import { parser as lezerParser } from '@prometheus-io/lezer-promql';
import {
  FUNCTIONS, exprType,
  type AggregateOp, type AtModifier, type BinaryOp, type Expr, type LabelMatcher, type SubqueryExpr, type ValueType,
  type VectorMatching, type VectorSelector,
} from './ast.js';
import { PromQLError } from './errors.js';
import { parseDurationMs, parseNumberLiteral, unquoteString } from './literals.js';
import { compileAnchoredRE2 } from '../../re2.js';

// @lezer/common is only a transitive dependency, so take its node type from the parser.
type SyntaxNode = ReturnType<typeof lezerParser.parse>['topNode'];

class ParseFailure extends Error {
  constructor(readonly pos: number, message: string) { super(message); }
}

function positionOf(input: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < input.length; i++) {
    if (input[i] === '\n') { line++; lineStart = i + 1; }
  }
  return `${line}:${pos - lineStart + 1}`;
}

/** Prometheus' documented type names, used in error messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector': return 'instant vector';
    case 'matrix': return 'range vector';
    default: return t;
  }
}

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^', Atan2: 'atan2',
  Eql: '==', Neq: '!=', Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless',
};
const COMPARISON_OPS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);

export function isComparisonOp(op: BinaryOp): boolean { return COMPARISON_OPS.has(op); }
export function isSetOp(op: BinaryOp): boolean { return SET_OPS.has(op); }

/**
 * End of input as Go's lexer and parser report it: the lexer complains about what is still
 * open (braces, then parentheses, then a bracket), the parser about what it expected.
 */
function describeEndOfInput(input: string, at: number): string {
  let paren = 0, bracket = 0, brace = 0;
  for (let i = 0; i < at; i++) {
    const c = input[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < at && input[j] !== c) j += input[j] === '\\' && c !== '`' ? 2 : 1;
      i = j;
    } else if (c === '#') {
      while (i < at && input[i] !== '\n') i++;
    } else if (c === '(') paren++;
    else if (c === ')') paren--;
    else if (c === '[') bracket++;
    else if (c === ']') bracket--;
    else if (c === '{') brace++;
    else if (c === '}') brace--;
  }
  if (brace > 0) return 'unexpected end of input inside braces';
  if (paren > 0) return 'unclosed left parenthesis';
  if (bracket > 0) return 'unclosed left bracket';
  return 'unexpected end of input';
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);

/** The context Go's grammar names for an error right after `offset` or `@`. */
function errorContext(input: string, at: number): string {
  const before = input.slice(0, at).trimEnd();
  if (/(^|[^\w:])offset$/i.test(before)) return ' in offset, expected duration';
  if (before.endsWith('@')) return ' in @, expected timestamp';
  // Right after an aggregation operator's by/without clause, Go's grammar expects `(`.
  if (/(^|[^\w:])(sum|avg|count|min|max|group|stddev|stdvar|topk|bottomk|quantile|count_values|limitk|limit_ratio)\s*(by|without)\s*\([^()]*\)$/i.test(before)) return ' in aggregation';
  return '';
}

function describeUnexpected(input: string, node: SyntaxNode): string {
  const msg = describeUnexpectedToken(input, node);
  return msg.startsWith('unexpected ') && !msg.startsWith('unclosed') && !msg.endsWith('inside braces') ? msg + errorContext(input, node.from) : msg;
}

function describeUnexpectedToken(input: string, node: SyntaxNode): string {
  const text = input.slice(node.from, node.to).trim();
  if (node.from >= input.trimEnd().length) return describeEndOfInput(input, input.length);
  const word = /^[A-Za-z_]\w*/.exec(text)?.[0];
  if (word !== undefined && KEYWORDS.has(word.toLowerCase())) return `unexpected <${word.toLowerCase()}>`;
  if (text.startsWith(':')) return 'unexpected colon \':\'';
  const first = node.firstChild;
  if (first && first.name !== '⚠') {
    const name = first.name;
    if (BINARY_OPS[name]) return `unexpected <op:${BINARY_OPS[name]}>`;
    if (name === 'Identifier' || name === 'LabelName') return `unexpected identifier "${text}"`;
    if (name === 'NumberDurationLiteral') return `unexpected number "${text}"`;
    if (name === 'StringLiteral') return `unexpected string "${text}"`;
    if (name === 'On' || name === 'Ignoring' || name === 'By' || name === 'Without' || name === 'Bool' ||
        name === 'GroupLeft' || name === 'GroupRight' || name === 'Offset') return `unexpected <${text}>`;
  }
  if (text === '') {
    const next = input.slice(node.from).trimStart()[0];
    if (next === undefined) return describeEndOfInput(input, input.length);
    if ('+-*/%^'.includes(next)) return `unexpected <op:${next}>`;
    if (next === ':') return 'unexpected colon \':\'';
    if (next === ')') return 'unexpected right parenthesis \')\'';
    if (next === ']') return 'unexpected right bracket \']\'';
    if (next === '}') return 'unexpected right brace \'}\'';
    if (next === ',' || next === '{' || next === '(' || next === '[') return `unexpected "${next}"`;
    return `unexpected character: '${next}'`;
  }
  if (/^[A-Za-z_:][\w:]*$/.test(text)) return `unexpected identifier "${text}"`;
  if (/^[0-9.]/.test(text)) return `unexpected number "${text}"`;
  if (/^["'`]/.test(text)) return `unexpected string ${text}`;
  if ('+-*/%^'.includes(text[0]!)) return `unexpected <op:${text[0]}>`;
  if ('{(['.includes(text[0]!)) return `unexpected "${text[0]}"`;
  return `unexpected character: '${[...text][0]}'`;
}

function findError(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type.isError) return node;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    const e = findError(c);
    if (e) return e;
  }
  return undefined;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const EXPR_NODES = new Set([
  'AggregateExpr', 'BinaryExpr', 'FunctionCall', 'MatrixSelector', 'NumberDurationLiteral', 'OffsetExpr',
  'ParenExpr', 'StringLiteral', 'SubqueryExpr', 'UnaryExpr', 'VectorSelector', 'StepInvariantExpr',
  'AnchoredExpr', 'SmoothedExpr',
]);

/**
 * The node an `offset`/`@` written after `e` applies to. In Prometheus' grammar the modifiers
 * bind to the selector or subquery right before them, tighter than any operator; the lezer
 * grammar attaches them to the whole preceding unary or binary expression, so walk down to
 * its last operand.
 */
function modifierTarget(e: Expr): VectorSelector | SubqueryExpr | undefined {
  switch (e.kind) {
    case 'VectorSelector': case 'SubqueryExpr': return e;
    case 'MatrixSelector': return e.selector;
    case 'UnaryExpr': return modifierTarget(e.expr);
    case 'BinaryExpr': return modifierTarget(e.rhs);
    default: return undefined;
  }
}

class Builder {
  constructor(readonly input: string, readonly renamed: ReadonlySet<number> = new Set()) {}

  text(n: SyntaxNode): string { return this.input.slice(n.from, n.to); }

  fail(n: SyntaxNode | number, msg: string): never {
    throw new ParseFailure(typeof n === 'number' ? n : n.from, msg);
  }

  exprChildren(n: SyntaxNode): SyntaxNode[] {
    return children(n).filter((c) => EXPR_NODES.has(c.name));
  }

  build(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral': {
        const t = this.text(n);
        const v = parseNumberLiteral(t.replace(/^([+-])\s+/, '$1'));
        if (v !== undefined && !Number.isFinite(v) && !/^[+-]?\s*(inf|infinity|nan)$/i.test(t)) {
          // Go's strconv.ParseFloat refuses what does not fit a float64 (`1e400`).
          const sign = /^[+-]\s*/.exec(t)?.[0].length ?? 0;
          this.fail(n.from + sign, `error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(t.slice(sign))}: value out of range`);
        }
        if (v !== undefined) return { kind: 'NumberLiteral', value: v };
        // A duration where a number is expected means its seconds (`predict_linear(x[1h], 1d)`).
        const d = parseDurationMs(t);
        if (d !== undefined) return { kind: 'NumberLiteral', value: d / 1000 };
        this.fail(n, `bad number or duration syntax: "${t}"`);
        break;
      }
      case 'StringLiteral':
        return { kind: 'StringLiteral', value: this.unquote(n) };
      case 'ParenExpr': {
        const [inner] = this.exprChildren(n);
        if (!inner) this.fail(n, 'unexpected right parenthesis \')\'');
        return { kind: 'ParenExpr', expr: this.build(inner) };
      }
      case 'UnaryExpr': {
        const op = children(n).find((c) => c.name === 'UnaryOp');
        const [inner] = this.exprChildren(n);
        const e = this.build(inner!);
        const t = exprType(e);
        if (t !== 'scalar' && t !== 'vector') this.fail(n, 'unary expression only allowed on expressions of type scalar or instant vector');
        const sign = this.text(op!).trim() === '-' ? '-' : '+';
        // Prometheus folds a sign into a number literal directly.
        if (e.kind === 'NumberLiteral') return sign === '-' ? { kind: 'NumberLiteral', value: -e.value } : e;
        return { kind: 'UnaryExpr', op: sign, expr: e };
      }
      case 'BinaryExpr': return this.binary(n);
      case 'AggregateExpr': return this.aggregate(n);
      case 'FunctionCall': return this.call(n);
      case 'VectorSelector': return this.vectorSelector(n);
      case 'MatrixSelector': {
        const [inner] = this.exprChildren(n);
        const e = this.build(inner!);
        if (e.kind !== 'VectorSelector') {
          this.fail(n, 'ranges only allowed for vector selectors');
        }
        if (e.offsetMs !== 0 || e.at !== undefined) this.fail(n, 'no offset or @ modifiers allowed before range');
        const d = children(n).find((c) => c.name === 'DurationExpr');
        const rangeMs = this.duration(d!);
        if (rangeMs <= 0) this.fail(d!, 'duration must be greater than 0');
        return { kind: 'MatrixSelector', selector: e, rangeMs };
      }
      case 'SubqueryExpr': {
        const [inner] = this.exprChildren(n);
        const e = this.build(inner!);
        const t = exprType(e);
        if (t !== 'vector') this.fail(n, `subquery is only allowed on instant vector, got ${documentedType(t)} instead`);
        const ds = children(n).filter((c) => c.name === 'DurationExpr');
        const rangeMs = this.duration(ds[0]!);
        const stepMs = ds[1] ? this.duration(ds[1]) : 0;
        if (rangeMs <= 0) this.fail(ds[0]!, 'duration must be greater than 0');
        if (ds[1] && stepMs <= 0) this.fail(ds[1], 'duration must be greater than 0');
        return { kind: 'SubqueryExpr', expr: e, rangeMs, stepMs, offsetMs: 0 };
      }
      case 'OffsetExpr': {
        const [inner] = this.exprChildren(n);
        const e = this.build(inner!);
        const d = children(n).find((c) => c.name === 'OffsetDurationExpr');
        const off = this.offsetDuration(d!);
        const target = modifierTarget(e);
        if (!target) {
          this.fail(n, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
        }
        if (target.offsetMs !== 0) this.fail(n, 'offset may not be set multiple times');
        target.offsetMs = off;
        return e;
      }
      case 'StepInvariantExpr': {
        const [inner] = this.exprChildren(n);
        const e = this.build(inner!);
        const at = this.atModifier(n);
        const target = modifierTarget(e);
        if (!target) {
          this.fail(n, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
        }
        if (target.at !== undefined) this.fail(n, '@ <timestamp> may not be set multiple times');
        target.at = at;
        return e;
      }
      case 'AnchoredExpr': case 'SmoothedExpr':
        this.fail(n, `${n.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported (Prometheus 3 experimental feature)`);
    }
    this.fail(n, describeUnexpected(this.input, n));
  }

  unquote(n: SyntaxNode): string {
    try {
      return unquoteString(this.text(n));
    } catch (err) {
      this.fail(n, (err as Error).message);
    }
  }

  duration(n: SyntaxNode): number {
    const kids = children(n);
    if (kids.length !== 1 || kids[0]!.name !== 'NumberDurationLiteralInDurationContext') {
      this.fail(n, 'duration expressions are not supported (Prometheus 3 experimental feature)');
    }
    return this.durationLiteral(kids[0]!);
  }

  /** `5m`, `1h30m`, or a plain number of seconds (`[300]`, `offset 50`), in ms. */
  durationLiteral(n: SyntaxNode): number {
    const t = this.text(n).trim();
    const d = parseDurationMs(t);
    if (d !== undefined) return d;
    const secs = parseNumberLiteral(t);
    if (secs === undefined || !Number.isFinite(secs) || secs < 0) this.fail(n, `bad number or duration syntax: "${t}"`);
    return Math.round(secs * 1000);
  }

  offsetDuration(n: SyntaxNode): number {
    const kids = children(n);
    if (kids.length === 2 && kids[0]!.name === 'UnaryOp' && kids[1]!.name === 'OffsetDurationExpr') {
      const sign = this.text(kids[0]!).trim() === '-' ? -1 : 1;
      return sign * this.offsetDuration(kids[1]!);
    }
    if (kids.length === 1 && kids[0]!.name === 'NumberDurationLiteralInDurationContext') return this.durationLiteral(kids[0]!);
    if (kids.length === 1 && kids[0]!.name === 'OffsetDurationExpr') return this.offsetDuration(kids[0]!);
    // Prometheus 2's grammar wants a plain duration after `offset`; say what it says.
    const first = this.input.slice(n.from).trimStart()[0];
    if (first === '(') this.fail(this.input.indexOf('(', n.from), 'unexpected "(" in offset, expected duration');
    this.fail(n, 'duration expressions are not supported (Prometheus 3 experimental feature)');
  }

  atModifier(n: SyntaxNode): AtModifier {
    const kids = children(n);
    const atIdx = kids.findIndex((c) => c.name === 'At');
    const rest = kids.slice(atIdx + 1);
    const pre = rest.find((c) => c.name === 'AtModifierPreprocessors');
    if (pre) return this.text(pre).trim().startsWith('start') ? 'start' : 'end';
    const txt = this.input.slice(kids[atIdx]!.to, n.to).trim();
    const compact = txt.replace(/\s+/g, '');
    let v = parseNumberLiteral(compact);
    if (v === undefined) {
      const d = parseDurationMs(compact.replace(/^\+/, ''));
      if (d !== undefined) v = d / 1000;
    }
    if (v === undefined) this.fail(n, `unexpected "${txt}" in @ modifier`);
    if (!Number.isFinite(v)) this.fail(n, `timestamp out of bounds for @ modifier: ${txt}`);
    // Prometheus converts seconds to ms with rounding to whole ms.
    return Math.round(v * 1000);
  }

  grouping(n: SyntaxNode): string[] {
    return children(n)
      .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName' || c.name === 'StringLiteral')
      .map((c) => (c.name === 'LabelName' ? this.text(c) : this.unquote(c.name === 'QuotedLabelName' ? c.firstChild! : c)));
  }

  binary(n: SyntaxNode): Expr {
    const kids = children(n);
    const exprs = kids.filter((c) => EXPR_NODES.has(c.name));
    const opNode = kids.find((c) => BINARY_OPS[c.name] !== undefined);
    if (exprs.length !== 2 || !opNode) this.fail(n, describeUnexpected(this.input, n));
    const op = BINARY_OPS[opNode.name]!;
    const lhsText = this.text(exprs[0]!).trimStart();
    if (op === '^' && exprs[0]!.name === 'NumberDurationLiteral' && /^[+-]/.test(lhsText)) {
      // The lezer grammar folds the sign into the literal, but in PromQL unary minus binds
      // looser than ^ (`-1^2` is -(1^2) = -1), so rebuild it as sign applied to the power.
      const magnitude = this.build(exprs[0]!) as { kind: 'NumberLiteral'; value: number };
      const pow: Expr = { kind: 'BinaryExpr', op: '^', lhs: { kind: 'NumberLiteral', value: Math.abs(magnitude.value) }, rhs: this.build(exprs[1]!), returnBool: false };
      const rt = exprType((pow as { rhs: Expr }).rhs);
      if (rt !== 'scalar' && rt !== 'vector') this.fail(n, 'binary expression must contain only scalar and instant vector types');
      return lhsText.startsWith('-') ? { kind: 'UnaryExpr', op: '-', expr: pow } : pow;
    }
    const lhs = this.build(exprs[0]!);
    const rhs = this.build(exprs[1]!);
    const returnBool = kids.some((c) => c.name === 'BoolModifier');
    const mod = kids.find((c) => c.name === 'MatchingModifierClause');
    if (kids.some((c) => c.name === 'FillModifier')) this.fail(n, 'fill modifiers are not supported (Prometheus 3 experimental feature)');
    let matching: VectorMatching | undefined;
    if (mod) {
      const mk = children(mod);
      const on = mk.some((c) => c.name === 'On');
      const groups = mk.filter((c) => c.name === 'GroupingLabels');
      const left = mk.some((c) => c.name === 'GroupLeft');
      const right = mk.some((c) => c.name === 'GroupRight');
      matching = {
        card: left ? 'many-to-one' : right ? 'one-to-many' : 'one-to-one',
        on,
        labels: groups[0] ? this.grouping(groups[0]) : [],
        include: groups[1] ? this.grouping(groups[1]) : [],
      };
    }
    const lt = exprType(lhs);
    const rt = exprType(rhs);
    // Prometheus reports these two at the operator (opRange in checkAST).
    if (returnBool && !COMPARISON_OPS.has(op)) this.fail(opNode, 'bool modifier can only be used on comparison operators');
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      // At the offending operand, as Go does.
      this.fail(lt !== 'scalar' && lt !== 'vector' ? exprs[0]! : exprs[1]!, 'binary expression must contain only scalar and instant vector types');
    }
    if (COMPARISON_OPS.has(op) && !returnBool && lt === 'scalar' && rt === 'scalar') {
      this.fail(opNode, 'comparisons between scalars must use BOOL modifier');
    }
    if (SET_OPS.has(op)) {
      if (lt === 'scalar' || rt === 'scalar') {
        this.fail(n, `set operator "${op}" not allowed in binary scalar expression`);
      }
      if (matching && matching.card !== 'one-to-one') this.fail(n, `no grouping allowed for "${op}" operation`);
      matching = matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
      matching.card = 'many-to-many';
    }
    if (matching && (lt !== 'vector' || rt !== 'vector')) {
      // Prometheus only allows on/ignoring between two instant vectors.
      if (mod) this.fail(n, 'vector matching only allowed between instant vectors');
    }
    if (matching && matching.on) {
      for (const l of matching.include) {
        if (matching.labels.includes(l)) this.fail(opNode, `label "${l}" must not occur in ON and GROUP clause at once`);
      }
    }
    if (!matching && lt === 'vector' && rt === 'vector') {
      matching = { card: 'one-to-one', on: false, labels: [], include: [] };
    }
    return { kind: 'BinaryExpr', op, lhs, rhs, returnBool, matching };
  }

  aggregate(n: SyntaxNode): Expr {
    const kids = children(n);
    const opNode = kids.find((c) => c.name === 'AggregateOp')!;
    const op = this.text(opNode).trim().toLowerCase() as AggregateOp;
    const mod = kids.find((c) => c.name === 'AggregateModifier');
    const body = kids.find((c) => c.name === 'FunctionCallBody');
    if (!body) this.fail(n, describeUnexpected(this.input, n));
    const args = this.exprChildren(body).map((c) => this.build(c));
    let grouping: string[] = [];
    let without = false;
    if (mod) {
      without = children(mod).some((c) => c.name === 'Without');
      const g = children(mod).find((c) => c.name === 'GroupingLabels');
      grouping = g ? this.grouping(g) : [];
    }
    const hasParam = ['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio'].includes(op);
    if (args.length !== (hasParam ? 2 : 1)) {
      this.fail(body, `wrong number of arguments for aggregate expression provided, expected ${hasParam ? 2 : 1}, got ${args.length}`);
    }
    const argNodes = this.exprChildren(body);
    const expr = args[hasParam ? 1 : 0]!;
    const et = exprType(expr);
    if (et !== 'vector') this.fail(argNodes[hasParam ? 1 : 0]!, `expected type instant vector in aggregation expression, got ${documentedType(et)}`);
    let param: Expr | undefined;
    if (hasParam) {
      param = args[0]!;
      const pt = exprType(param);
      const want: ValueType = op === 'count_values' ? 'string' : 'scalar';
      if (pt !== want) this.fail(argNodes[0]!, `expected type ${documentedType(want)} in aggregation parameter, got ${documentedType(pt)}`);
    }
    return { kind: 'AggregateExpr', op, expr, param, grouping, without };
  }

  call(n: SyntaxNode): Expr {
    const kids = children(n);
    const id = kids.find((c) => c.name === 'FunctionIdentifier')!;
    const name = this.renamed.has(id.from) ? 'holt_winters' : this.text(id).trim();
    const sig = FUNCTIONS[name];
    if (!sig) this.fail(id, `unknown function with name "${name}"`);
    const body = kids.find((c) => c.name === 'FunctionCallBody');
    const argNodes = body ? this.exprChildren(body) : [];
    const args = argNodes.map((c) => this.build(c));
    const nargs = args.length;
    const fixed = sig.argTypes.length;
    if (sig.variadic === 0) {
      if (nargs !== fixed) this.fail(n, `expected ${fixed} argument(s) in call to "${name}", got ${nargs}`);
    } else if (sig.variadic > 0) {
      const min = fixed - sig.variadic;
      if (nargs < min) this.fail(n, `expected at least ${min} argument(s) in call to "${name}", got ${nargs}`);
      if (nargs > fixed) this.fail(n, `expected at most ${fixed} argument(s) in call to "${name}", got ${nargs}`);
    } else if (nargs < fixed - 1) {
      this.fail(n, `expected at least ${fixed - 1} argument(s) in call to "${name}", got ${nargs}`);
    }
    args.forEach((a, i) => {
      const want = sig.argTypes[Math.min(i, fixed - 1)]!;
      const got = exprType(a);
      if (want !== got) {
        this.fail(argNodes[i]!, `expected type ${documentedType(want)} in call to function "${name}", got ${documentedType(got)}`);
      }
    });
    return { kind: 'Call', func: name, args };
  }

  vectorSelector(n: SyntaxNode): Expr {
    const kids = children(n);
    const id = kids.find((c) => c.name === 'Identifier');
    const lm = kids.find((c) => c.name === 'LabelMatchers');
    const matchers: LabelMatcher[] = [];
    let name = id ? this.text(id) : undefined;
    if (lm) {
      for (const c of children(lm)) {
        if (c.name === 'UnquotedLabelMatcher' || c.name === 'QuotedLabelMatcher') {
          const ck = children(c);
          const ln = ck.find((x) => x.name === 'LabelName' || x.name === 'QuotedLabelName')!;
          const label = ln.name === 'LabelName' ? this.text(ln) : this.unquote(ln.firstChild!);
          const opNode = ck.find((x) => x.name === 'MatchOp')!;
          const valueNode = ck.filter((x) => x.name === 'StringLiteral').pop()!;
          const type = this.text(opNode).trim() as LabelMatcher['type'];
          const value = this.unquote(valueNode);
          if (type === '=~' || type === '!~') {
            try {
              compileAnchoredRE2(value);
            } catch (err) {
              // Go reports it at the matcher; for a paren error its message quotes the whole
              // anchored expression Prometheus compiles.
              const msg = (err as Error).message;
              this.fail(c, `error parsing regexp: ${msg}${msg === 'missing closing )' || msg === 'unexpected )' ? `: \`^(?:${value})$\`` : ''}`);
            }
          }
          matchers.push({ name: label, type, value });
        } else if (c.name === 'QuotedLabelName') {
          // {"metric.name"}: a bare quoted name is the metric name (UTF-8 names, 3.x syntax).
          const v = this.unquote(c.firstChild!);
          if (name !== undefined) this.fail(c, `metric name must not be set twice: "${name}" or "${v}"`);
          name = v;
        } else if (c.type.isError) {
          this.fail(c, describeUnexpected(this.input, c));
        }
      }
    }
    if (name !== undefined) {
      for (const m of matchers) {
        if (m.name === '__name__') this.fail(n, `metric name must not be set twice: "${name}" or "${m.value}"`);
      }
      matchers.push({ name: '__name__', type: '=', value: name });
    }
    if (!matchers.some((m) => !matchesEmpty(m))) {
      this.fail(n, 'vector selector must contain at least one non-empty matcher');
    }
    const sel: VectorSelector = { kind: 'VectorSelector', matchers, offsetMs: 0 };
    if (name !== undefined) sel.name = name;
    return sel;
  }
}

/** Whether a matcher accepts the empty value (which is also what an absent label reads as). */
export function matchesEmpty(m: LabelMatcher): boolean {
  return matchLabelValue(m, '');
}

export function matchLabelValue(m: LabelMatcher, v: string): boolean {
  switch (m.type) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return compileAnchoredRE2(m.value).test(v);
    case '!~': return !compileAnchoredRE2(m.value).test(v);
  }
}

/**
 * Same-length rewrites so the 3.x lezer grammar accepts 2.x syntax it lacks, keeping every
 * error position valid: `holt_winters(` (removed from the 3.x grammar) is parsed as the
 * equally long `day_of_month(` and renamed back, and a number with a trailing dot (`2.`, valid
 * in Go's lexer) loses the dot.
 */
function normalizeForGrammar(input: string): { text: string; renamed: Set<number> } {
  const renamed = new Set<number>();
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < input.length && input[j] !== c) j += input[j] === '\\' && c !== '`' ? 2 : 1;
      out += input.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '#') {
      const j = input.indexOf('\n', i);
      const end = j < 0 ? input.length : j;
      out += input.slice(i, end);
      i = end;
      continue;
    }
    if (/[A-Za-z_:]/.test(c)) {
      const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(input.slice(i))![0];
      if (m === 'holt_winters' && /^\s*\(/.test(input.slice(i + m.length)) && !/[.\w]$/.test(out)) {
        renamed.add(i);
        out += 'day_of_month';
      } else {
        out += m;
      }
      i += m.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+\.(?![0-9A-Za-z_.])/.exec(input.slice(i));
      if (m && !/[A-Za-z_0-9.]$/.test(out)) {
        out += m[0].slice(0, -1) + ' ';
        i += m[0].length;
        continue;
      }
      const tok = /^[0-9A-Za-z_.]+/.exec(input.slice(i))![0];
      out += tok;
      i += tok.length;
      continue;
    }
    out += c;
    i++;
  }
  return { text: out, renamed };
}

/** Parses a PromQL expression; throws PromQLError('bad_data') with a Prometheus-style position. */
export function parsePromQL(input: string): Expr {
  const { text, renamed } = normalizeForGrammar(input);
  const tree = lezerParser.parse(text);
  const top = tree.topNode;
  try {
    if (text.trim() === '' || /^\s*(#[^\n]*\s*)*$/.test(text)) throw new ParseFailure(0, 'no expression found in input');
    const err = findError(top);
    if (err) {
      // `foo(bar)`: an unknown function reads as a selector followed by a stray parenthesis.
      if (text.slice(err.from).trimStart().startsWith('(')) {
        const before = /([A-Za-z_:][A-Za-z0-9_:]*)\s*$/.exec(text.slice(0, err.from));
        if (before) throw new ParseFailure(before.index, `unknown function with name "${before[1]}"`);
      }
      throw new ParseFailure(err.from, describeUnexpected(input, err));
    }
    const exprs = children(top).filter((c) => EXPR_NODES.has(c.name));
    if (exprs.length === 0) throw new ParseFailure(0, 'no expression found in input');
    if (exprs.length > 1) throw new ParseFailure(exprs[1]!.from, describeUnexpected(input, exprs[1]!));
    return new Builder(input, renamed).build(exprs[0]!);
  } catch (err) {
    if (err instanceof ParseFailure) {
      throw new PromQLError('bad_data', `${positionOf(input, err.pos)}: parse error: ${err.message}`);
    }
    throw err;
  }
}
