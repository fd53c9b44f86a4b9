// Prometheus rule files: parsing and promtool-grade validation, scheduled evaluation, and the
// state /api/v1/rules shows. Recording rules write back through the writer; alerting rules
// hand their results to an AlertingRuleHandler (alerting/).
export { parseRuleFile, type RuleFileResult, type RuleGroupSpec, type RuleSpec, type RecordingRuleSpec, type AlertingRuleSpec } from './rule-file.js';
export { RuleGroup, RuleEvaluationError, type AlertingRuleHandler, type InstantQuery, type RuleAlert, type RuleState } from './rule-group.js';
export { RuleManager, RuleLoadError, loadRuleFiles, type RuleManagerOptions } from './rule-manager.js';
export type { RecordedSamples, RecordingSink, RecordingWriteResult } from './recording-sink.js';
