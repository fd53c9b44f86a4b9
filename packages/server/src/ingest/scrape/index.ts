// Prometheus scraping: exposition parsing, relabelling, target discovery and scrape loops.
export { parseExposition, formatOfContentType, ExpositionError, type ParsedExposition, type ParsedSample, type ExpositionFormat } from './exposition-parser.js';
export { relabel, compileRelabelConfigs, expandTemplate, type CompiledRelabel } from './relabel.js';
export { targetsFromGroups, jobTiming, type ScrapeTarget, type TargetGroup, type JobDefaults } from './targets.js';
export { parseFileSdFile, FileSd } from './file-sd.js';
export { ScrapeLoop, SCRAPE_ACCEPT, type ScrapeResult, type TargetHealth } from './scrape-loop.js';
export { ScrapeManager, type ScrapeManagerOptions, type ActiveTarget } from './scrape-manager.js';
