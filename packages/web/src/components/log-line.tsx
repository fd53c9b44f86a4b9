import type { LogRecord } from '@sightline/client';
import { formatClock, nanosToMs } from '../lib/format.js';
import { formatLogBody, severityBucket, severityLabel } from '../lib/logs.js';

/** Compact one-line log record used inside the trace view. */
export function LogLine({ log, onSpan }: { log: LogRecord; onSpan?: (spanId: string) => void }) {
  const body = formatLogBody(log.body);
  return (
    <div className="log-line">
      <span className="mono muted nowrap">{formatClock(nanosToMs(log.timeUnixNano))}</span>
      <span className={`sev sev-${severityBucket(log.severityNumber)}`}>{severityLabel(log.severityNumber, log.severityText)}</span>
      <span className="muted nowrap">{log.serviceName}</span>
      <span className="log-line-body" title={body.full}>
        {body.line}
      </span>
      {onSpan && log.spanId && (
        <button className="link-button mono" onClick={() => onSpan(log.spanId)}>
          span {log.spanId.slice(0, 8)}
        </button>
      )}
    </div>
  );
}
