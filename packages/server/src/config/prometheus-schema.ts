// The Prometheus parts of sightline.yaml. `scrape_configs` and `rule_files` keep the exact
// shape and snake_case keys of prometheus.yml so a block can be pasted across unchanged; the
// Sightline-wide knobs live under `prometheus` in the house camelCase. Durations stay text
// (validated here, converted with parsePromDuration where used) so env overrides and
// `check-config` show what the operator wrote.
import { z } from 'zod';
import { parsePromDuration } from './prom-duration.js';
import { isValidRegex } from './prom-regex.js';

export const promDuration = z.string().refine((s) => parsePromDuration(s) !== undefined, {
  message: 'not a Prometheus duration: use forms like 15s, 1m30s, 2h, 1d or 500ms',
});

/** A duration that must be above zero (global intervals and timeouts). */
const positivePromDuration = promDuration.refine((s) => (parsePromDuration(s) ?? 0) > 0, { message: 'must be longer than 0s' });

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = z.string().regex(LABEL_NAME, 'must be a label name matching [a-zA-Z_][a-zA-Z0-9_]*');


export const relabelActions = ['replace', 'keep', 'drop', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase', 'keepequal', 'dropequal'] as const;

export const relabelConfigSchema = z
  .object({
    source_labels: z.array(labelName).default([]),
    separator: z.string().default(';'),
    regex: z.string().refine(isValidRegex, { message: 'not a valid regular expression' }).default('(.*)'),
    modulus: z.number().int().positive().optional(),
    target_label: z.string().optional(),
    replacement: z.string().default('$1'),
    action: z.enum(relabelActions).default('replace'),
  })
  .strict()
  .superRefine((r, ctx) => {
    // The same requirements Prometheus' relabel.Config.UnmarshalYAML enforces.
    const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(r.action);
    if (needsTarget && !r.target_label) ctx.addIssue({ code: 'custom', path: ['target_label'], message: `relabel configuration for ${r.action} action requires 'target_label' value` });
    if (r.action === 'hashmod' && r.modulus === undefined) ctx.addIssue({ code: 'custom', path: ['modulus'], message: 'relabel configuration for hashmod requires non-zero modulus' });
    if (r.action === 'replace' && r.target_label && !/^(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+(?:[a-zA-Z0-9_]|\$(?:\{\w+\}|\w+))*$/.test(r.target_label)) {
      ctx.addIssue({ code: 'custom', path: ['target_label'], message: `${JSON.stringify(r.target_label)} is invalid 'target_label' for replace action` });
    }
    if (['labeldrop', 'labelkeep'].includes(r.action) && (r.source_labels.length > 0 || r.target_label || r.modulus !== undefined || r.separator !== ';' || r.replacement !== '$1')) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `${r.action} action requires only 'regex', and no other fields` });
    }
  });

export type RelabelConfig = z.infer<typeof relabelConfigSchema>;

const staticConfigSchema = z
  .object({
    targets: z.array(z.string().min(1)).default([]),
    labels: z.record(labelName, z.string()).default({}),
  })
  .strict();

const fileSdConfigSchema = z
  .object({
    /** Paths of JSON or YAML target files; the last path segment may hold *, ? or [...] patterns. */
    files: z.array(z.string().regex(/\.(json|ya?ml)$/, 'file_sd files must end in .json, .yml or .yaml')).min(1),
    refresh_interval: promDuration.default('5m'),
  })
  .strict();

const basicAuthSchema = z
  .object({
    username: z.string().default(''),
    password: z.string().optional(),
    /** Read at every scrape, so rotated secrets apply without a restart (as in Prometheus). */
    password_file: z.string().optional(),
  })
  .strict()
  .refine((b) => !(b.password !== undefined && b.password_file !== undefined), { message: 'at most one of basic_auth password & password_file must be configured' });

const authorizationSchema = z
  .object({
    type: z.string().default('Bearer'),
    credentials: z.string().optional(),
    credentials_file: z.string().optional(),
  })
  .strict()
  .refine((a) => !(a.credentials !== undefined && a.credentials_file !== undefined), { message: 'at most one of authorization credentials & credentials_file must be configured' })
  .refine((a) => a.type.toLowerCase() !== 'basic', { message: `authorization type cannot be set to "basic", use "basic_auth" instead` });

export const scrapeConfigSchema = z
  .object({
    job_name: z.string().min(1),
    scrape_interval: promDuration.optional(),
    scrape_timeout: promDuration.optional(),
    metrics_path: z.string().startsWith('/').default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    params: z.record(z.string(), z.array(z.string())).default({}),
    honor_labels: z.boolean().default(false),
    honor_timestamps: z.boolean().default(true),
    /** 0 = no limit; a scrape with more samples after metric relabelling fails (up = 0). */
    sample_limit: z.number().int().min(0).default(0),
    static_configs: z.array(staticConfigSchema).default([]),
    file_sd_configs: z.array(fileSdConfigSchema).default([]),
    relabel_configs: z.array(relabelConfigSchema).default([]),
    metric_relabel_configs: z.array(relabelConfigSchema).default([]),
    basic_auth: basicAuthSchema.optional(),
    authorization: authorizationSchema.optional(),
    /** Prometheus 2.x spellings of `authorization: {credentials, credentials_file}`. */
    bearer_token: z.string().optional(),
    bearer_token_file: z.string().optional(),
  })
  .strict()
  .superRefine((j, ctx) => {
    // Prometheus' HTTPClientConfig.Validate.
    const set = [j.basic_auth, j.authorization, j.bearer_token, j.bearer_token_file].filter((x) => x !== undefined).length;
    if (set > 1) ctx.addIssue({ code: 'custom', path: ['basic_auth'], message: 'at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured' });
  });

export type ScrapeConfig = z.infer<typeof scrapeConfigSchema>;

export const scrapeConfigsSchema = z.array(scrapeConfigSchema).superRefine((jobs, ctx) => {
  const seen = new Set<string>();
  jobs.forEach((j, i) => {
    if (seen.has(j.job_name)) ctx.addIssue({ code: 'custom', path: [i, 'job_name'], message: `found multiple scrape configs with job name ${JSON.stringify(j.job_name)}` });
    seen.add(j.job_name);
  });
});

/** Prometheus' `global` section, in the house style. */
export const prometheusSettingsSchema = z
  .object({
    /** Default scrape interval of jobs that do not set scrape_interval (Prometheus: 1m). */
    scrapeInterval: positivePromDuration.default('1m'),
    /** Default scrape timeout (Prometheus: 10s); capped at the job's interval. */
    scrapeTimeout: positivePromDuration.default('10s'),
    /** Default evaluation interval of rule groups without `interval` (Prometheus: 1m). */
    evaluationInterval: positivePromDuration.default('1m'),
    /** How far back an instant vector selector looks for a sample (Prometheus: 5m). */
    lookbackDelta: promDuration.default('5m'),
    /** Longest a PromQL query may run before it fails with errorType timeout (Prometheus: 2m). */
    queryTimeout: positivePromDuration.default('2m'),
    /** Most samples one PromQL query may load (Prometheus: 50000000). */
    maxSamples: z.number().int().positive().default(50_000_000),
    /** Most points per series a range query may return (Prometheus: 11000). */
    maxPointsPerSeries: z.number().int().positive().default(11_000),
    /** Version reported by /api/v1/status/buildinfo; clients such as Grafana enable features by it. */
    compatVersion: z.string().default('2.45.0'),
  })
  .strict();

export const PROMETHEUS_DEFAULTS = prometheusSettingsSchema.parse({});

export const remoteWriteSchema = z
  .object({
    /** Accept Prometheus remote_write at POST /api/v1/write on the HTTP API port. */
    enabled: z.boolean().default(true),
    /** Largest accepted snappy-compressed body (10 MiB; Prometheus sends ~2000 samples, well under 1 MiB). */
    maxBodyBytes: z.number().int().positive().default(10 * 1024 * 1024),
    /** Largest body after snappy decompression (64 MiB); checked against the snappy preamble first. */
    maxDecompressedBytes: z.number().int().positive().default(64 * 1024 * 1024),
  })
  .strict();

export const REMOTE_WRITE_DEFAULTS = remoteWriteSchema.parse({});
