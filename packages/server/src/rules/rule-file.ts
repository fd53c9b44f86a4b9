// Prometheus rule files, loaded unchanged and validated like Prometheus 2.x rulefmt does, with
// the messages `promtool check rules` prints (file: line:col: group "g", rule n, "name": what),
// so an operator sees the same words here as in their Prometheus CI. Recording and alerting
// rules are both parsed and checked; evaluation is per kind (see rule-group.ts).
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { parsePromDuration } from '../config/prom-duration.js';
import { parsePromQL, type Expr } from '../query/promql/index.js';

export interface RecordingRuleSpec {
  kind: 'recording';
  name: string;
  expr: string;
  query: Expr;
  labels: Record<string, string>;
}

export interface AlertingRuleSpec {
  kind: 'alerting';
  name: string;
  expr: string;
  query: Expr;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type RuleSpec = RecordingRuleSpec | AlertingRuleSpec;

export interface RuleGroupSpec {
  name: string;
  file: string;
  /** Undefined (or 0s in the file): the global evaluation interval applies, as in Prometheus. */
  intervalMs: number | undefined;
  /** 0 = no limit on series a rule may produce. */
  limit: number;
  rules: RuleSpec[];
}

export type RuleFileResult = { ok: true; groups: RuleGroupSpec[] } | { ok: false; errors: string[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const GROUP_KEYS = ['name', 'interval', 'limit', 'rules'];
const RULE_KEYS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

function pairs(map: YAMLMap): Pair<Node, Node>[] {
  return map.items as Pair<Node, Node>[];
}

function keyOf(p: Pair<Node, Node>): string {
  return isScalar(p.key) ? String(p.key.value) : '';
}

function get(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return pairs(map).find((p) => keyOf(p) === key);
}

function scalarText(n: Node | null | undefined): string {
  if (!n || !isScalar(n)) return '';
  return n.value === null ? '' : String(n.value);
}

/**
 * The checks of Go's template parser that matter in practice: every `{{` needs its `}}`.
 * Reported like text/template: "template: __alert_<name>:<line>: unclosed action".
 */
function templateError(text: string, alert: string): string | undefined {
  let pos = 0;
  while (true) {
    const open = text.indexOf('{{', pos);
    if (open < 0) return undefined;
    const close = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      const line = text.slice(0, open).split('\n').length;
      return `template: __alert_${alert}:${line}: unclosed action`;
    }
    pos = close + 2;
  }
}

/** Validates and parses one rule file's text. `file` is used in messages exactly as given. */
export function parseRuleFile(file: string, text: string): RuleFileResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((e) => `${file}: yaml: line ${e.linePos?.[0].line ?? 0}: ${e.message.split('\n')[0]}`) };
  }
  const pos = (n: Node | null | undefined): string => {
    if (!n || !n.range) return '0:0';
    const p = lc.linePos(n.range[0]);
    return `${p.line}:${p.col}`;
  };
  const line = (n: Node | null | undefined): number => (n?.range ? lc.linePos(n.range[0]).line : 0);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { ok: true, groups: [] };
  if (!isMap(root)) return { ok: false, errors: [`${file}: yaml: unmarshal errors:\n  line ${line(root)}: cannot unmarshal into rulefmt.RuleGroups: the top level must be a mapping with 'groups'`] };

  // Pass 1, like Go's strict YAML decoding: durations abort at the first bad one, then every
  // unknown field and wrongly typed value is reported together.
  const typeErrors: string[] = [];
  const durationOf = (n: Node | null | undefined): number | undefined => {
    const t = scalarText(n);
    const ms = parsePromDuration(t);
    if (ms === undefined) throw new DurationError(`not a valid duration string: ${JSON.stringify(t)}`);
    return ms;
  };
  const unknown = (map: YAMLMap, allowed: string[], type: string) => {
    for (const p of pairs(map)) if (!allowed.includes(keyOf(p))) typeErrors.push(`  line ${line(p.key)}: field ${keyOf(p)} not found in type ${type}`);
  };
  const stringMap = (n: Node | null | undefined, what: string): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!n || (isScalar(n) && n.value === null)) return out;
    if (!isMap(n)) {
      typeErrors.push(`  line ${line(n)}: cannot unmarshal into map[string]string (${what})`);
      return out;
    }
    for (const p of pairs(n)) out[keyOf(p)] = scalarText(p.value);
    return out;
  };

  for (const p of pairs(root)) if (keyOf(p) !== 'groups') typeErrors.push(`  line ${line(p.key)}: field ${keyOf(p)} not found in type rulefmt.RuleGroups`);
  const groupsNode = get(root, 'groups')?.value;
  const groupNodes: YAMLMap[] = [];
  if (groupsNode && !(isScalar(groupsNode) && groupsNode.value === null)) {
    if (!isSeq(groupsNode)) typeErrors.push(`  line ${line(groupsNode)}: cannot unmarshal into []rulefmt.RuleGroup`);
    else
      for (const g of groupsNode.items as Node[]) {
        if (!isMap(g)) typeErrors.push(`  line ${line(g)}: cannot unmarshal into rulefmt.RuleGroup`);
        else groupNodes.push(g);
      }
  }

  interface RawRule {
    node: YAMLMap;
    record?: Node;
    alert?: Node;
    expr?: Node;
    forMs: number;
    keepFiringForMs: number;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }
  interface RawGroup {
    node: YAMLMap;
    name: string;
    intervalMs: number | undefined;
    limit: number;
    rules: RawRule[];
  }
  const raw: RawGroup[] = [];
  try {
    for (const g of groupNodes) {
      unknown(g, GROUP_KEYS, 'rulefmt.RuleGroup');
      const intervalNode = get(g, 'interval')?.value;
      const limitText = scalarText(get(g, 'limit')?.value);
      const limit = limitText === '' ? 0 : Number(limitText);
      if (!Number.isInteger(limit)) typeErrors.push(`  line ${line(get(g, 'limit')?.value)}: cannot unmarshal !!str \`${limitText}\` into int`);
      const group: RawGroup = { node: g, name: scalarText(get(g, 'name')?.value), intervalMs: intervalNode ? durationOf(intervalNode) || undefined : undefined, limit, rules: [] };
      const rulesNode = get(g, 'rules')?.value;
      if (rulesNode && !(isScalar(rulesNode) && rulesNode.value === null)) {
        if (!isSeq(rulesNode)) typeErrors.push(`  line ${line(rulesNode)}: cannot unmarshal into []rulefmt.RuleNode`);
        else
          for (const r of rulesNode.items as Node[]) {
            if (!isMap(r)) {
              typeErrors.push(`  line ${line(r)}: cannot unmarshal into rulefmt.RuleNode`);
              continue;
            }
            unknown(r, RULE_KEYS, 'rulefmt.RuleNode');
            const forNode = get(r, 'for')?.value;
            const kfNode = get(r, 'keep_firing_for')?.value;
            group.rules.push({
              node: r,
              record: get(r, 'record')?.value ?? undefined,
              alert: get(r, 'alert')?.value ?? undefined,
              expr: get(r, 'expr')?.value ?? undefined,
              forMs: forNode ? durationOf(forNode)! : 0,
              keepFiringForMs: kfNode ? durationOf(kfNode)! : 0,
              labels: stringMap(get(r, 'labels')?.value, 'labels'),
              annotations: stringMap(get(r, 'annotations')?.value, 'annotations'),
            });
          }
      }
      raw.push(group);
    }
  } catch (err) {
    if (err instanceof DurationError) return { ok: false, errors: [`${file}: ${err.message}`] };
    throw err;
  }
  if (typeErrors.length > 0) return { ok: false, errors: [`${file}: yaml: unmarshal errors:\n${typeErrors.join('\n')}`] };

  // Pass 2: rulefmt's semantic validation, in its order.
  const errors: string[] = [];
  const seen = new Set<string>();
  const groups: RuleGroupSpec[] = [];
  for (const g of raw) {
    if (g.name === '') errors.push(`${file}: ${pos(g.node)}: Groupname must not be empty`);
    if (seen.has(g.name)) errors.push(`${file}: ${pos(g.node)}: groupname: ${JSON.stringify(g.name)} is repeated in the same file`);
    seen.add(g.name);
    const rules: RuleSpec[] = [];
    g.rules.forEach((r, i) => {
      const record = scalarText(r.record);
      const alert = scalarText(r.alert);
      const expr = scalarText(r.expr);
      // Like rulefmt: the alert name wins when both are set.
      const where = `group ${JSON.stringify(g.name)}, rule ${i + 1}, ${JSON.stringify(alert || record)}`;
      const fail = (at: string | undefined, msg: string) => errors.push(`${file}: ${at ? `${at}: ` : ''}${where}: ${msg}`);
      const before = errors.length;
      if (record !== '' && alert !== '') fail(`${pos(r.record)}: ${pos(r.alert)}`, "only one of 'record' and 'alert' must be set");
      if (record === '' && alert === '') fail(pos(r.record), "one of 'record' or 'alert' must be set");
      let query: Expr | undefined;
      if (expr === '') fail(pos(r.expr), "field 'expr' must be set in rule");
      else {
        try {
          query = parsePromQL(expr);
        } catch (err) {
          fail(pos(r.expr), `could not parse expression: ${(err as Error).message}`);
        }
      }
      if (record !== '') {
        if (Object.keys(r.annotations).length > 0) fail(pos(r.record), "invalid field 'annotations' in recording rule");
        if (r.forMs !== 0) fail(pos(r.record), "invalid field 'for' in recording rule");
        if (r.keepFiringForMs !== 0) fail(pos(r.record), "invalid field 'keep_firing_for' in recording rule");
        if (!METRIC_NAME.test(record)) fail(pos(r.record), `invalid recording rule name: ${record}`);
      }
      for (const k of Object.keys(r.labels)) if (!LABEL_NAME.test(k) || k === '__name__') fail(undefined, `invalid label name: ${k}`);
      for (const k of Object.keys(r.annotations)) if (!LABEL_NAME.test(k)) fail(undefined, `invalid annotation name: ${k}`);
      if (alert !== '') {
        for (const [k, v] of Object.entries(r.labels)) {
          const t = templateError(v, alert);
          if (t) fail(undefined, `label ${JSON.stringify(k)}: ${t}`);
        }
        for (const [k, v] of Object.entries(r.annotations)) {
          const t = templateError(v, alert);
          if (t) fail(undefined, `annotation ${JSON.stringify(k)}: ${t}`);
        }
      }
      if (errors.length > before || !query) return;
      if (record !== '') rules.push({ kind: 'recording', name: record, expr, query, labels: r.labels });
      else rules.push({ kind: 'alerting', name: alert, expr, query, forMs: r.forMs, keepFiringForMs: r.keepFiringForMs, labels: r.labels, annotations: r.annotations });
    });
    groups.push({ name: g.name, file, intervalMs: g.intervalMs, limit: g.limit, rules });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, groups };
}

class DurationError extends Error {}
