// Prometheus relabelling (relabel_configs on targets, metric_relabel_configs on samples), with
// the semantics of prometheus/model/relabel: anchored RE2-style regexes, Go's `$1` / `${name}`
// expansion, hashmod over the low 64 bits of an MD5.
import { createHash } from 'node:crypto';
import type { RelabelConfig } from '../../config/prometheus-schema.js';
import { compileAnchoredRE2 } from '../../re2.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface CompiledRelabel {
  readonly cfg: RelabelConfig;
  readonly regex: RegExp;
}

/** Compiles once per config load; relabelling runs per target and per scraped sample. */
export function compileRelabelConfigs(configs: readonly RelabelConfig[]): CompiledRelabel[] {
  return configs.map((cfg) => ({ cfg, regex: compileAnchoredRE2(cfg.regex) }));
}

/** Go regexp.Expand: $1, ${1}, $name, ${name}; $$ is a literal $. Unknown groups expand to ''. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i === template.length - 1) {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = template.slice(i + 2, close);
      i = close;
    } else {
      const mm = /^[a-zA-Z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      i += name.length;
    }
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}

function hashmod(value: string, modulus: number): number {
  const digest = createHash('md5').update(value).digest();
  // Prometheus' sum64 keeps only the last 8 bytes (shifts of the first 8 overflow to zero).
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}

/**
 * Applies the configs to a label set in place order. Returns the new label set, or null when a
 * keep/drop rule dropped it. The input is not modified.
 */
export function relabel(labels: Readonly<Record<string, string>>, rules: readonly CompiledRelabel[]): Record<string, string> | null {
  if (rules.length === 0) return labels as Record<string, string>;
  const lb: Record<string, string> = { ...labels };
  for (const { cfg, regex } of rules) {
    const value = cfg.source_labels.map((n) => lb[n] ?? '').join(cfg.separator);
    switch (cfg.action) {
      case 'drop':
        if (regex.test(value)) return null;
        break;
      case 'keep':
        if (!regex.test(value)) return null;
        break;
      case 'dropequal':
        if (value === (lb[cfg.target_label!] ?? '')) return null;
        break;
      case 'keepequal':
        if (value !== (lb[cfg.target_label!] ?? '')) return null;
        break;
      case 'replace': {
        const m = regex.exec(value);
        if (!m) break;
        const target = expandTemplate(cfg.target_label!, m);
        if (!LABEL_NAME.test(target)) break;
        const res = expandTemplate(cfg.replacement, m);
        if (res === '') delete lb[target];
        else lb[target] = res;
        break;
      }
      case 'lowercase':
        lb[cfg.target_label!] = value.toLowerCase();
        break;
      case 'uppercase':
        lb[cfg.target_label!] = value.toUpperCase();
        break;
      case 'hashmod':
        lb[cfg.target_label!] = String(hashmod(value, cfg.modulus!));
        break;
      case 'labelmap':
        for (const name of Object.keys(lb)) {
          const m = regex.exec(name);
          if (m) {
            const res = expandTemplate(cfg.replacement, m);
            if (LABEL_NAME.test(res)) lb[res] = lb[name];
          }
        }
        break;
      case 'labeldrop':
        for (const name of Object.keys(lb)) if (regex.test(name)) delete lb[name];
        break;
      case 'labelkeep':
        for (const name of Object.keys(lb)) if (!regex.test(name)) delete lb[name];
        break;
    }
  }
  // Labels with empty values do not exist in Prometheus.
  for (const name of Object.keys(lb)) if (lb[name] === '') delete lb[name];
  return lb;
}
