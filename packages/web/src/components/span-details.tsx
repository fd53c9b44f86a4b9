import { Link } from 'react-router';
import type { LogRecord } from '@sightline/client';
import type { SpanNode, TraceModel } from '../lib/trace-model.js';
import { SPAN_KIND_NAMES } from '../lib/trace-model.js';
import { criticalTimeNs, type CriticalSection } from '../lib/critical-path.js';
import { serviceColor } from '../lib/colors.js';
import { formatClock, formatDurationNs, nanosToMs } from '../lib/format.js';
import { useRangeLink } from '../app/url-state.js';
import { AttributeTable } from './attribute-table.js';
import { CopyButton } from './copy-button.js';
import { IconClose } from './icons.js';
import { LogLine } from './log-line.js';

const STATUS = ['Unset', 'OK', 'Error'];

export function SpanDetails({
  node,
  model,
  critical,
  logs,
  onSelect,
  onClose,
}: {
  node: SpanNode;
  model: TraceModel;
  critical: CriticalSection[] | undefined;
  logs: LogRecord[];
  onSelect: (id: string) => void;
  onClose: () => void;
}) {
  const s = node.span;
  const link = useRangeLink();
  const deepLink = `${window.location.origin}/traces/${model.traceId}?span=${s.spanId}`;
  const traceStartMs = Number(model.startUnixNs / 1_000_000n);
  return (
    <aside className="span-details" data-testid="span-details" aria-label="Span details">
      <div className="sd-header">
        <div className="sd-title">
          <span className="service-dot" style={{ background: serviceColor(s.serviceName) }} />
          <span className="muted">{s.serviceName}</span>
          <strong title={s.name}>{s.name}</strong>
        </div>
        <button className="btn btn-icon" onClick={onClose} aria-label="Close span details" title="Close (Esc)">
          <IconClose />
        </button>
      </div>
      <dl className="sd-grid">
        <dt>Duration</dt>
        <dd>{formatDurationNs(node.durationNs)}</dd>
        <dt>Self time</dt>
        <dd>{formatDurationNs(node.selfNs)}</dd>
        <dt>Start</dt>
        <dd>
          +{formatDurationNs(node.startNs)} <span className="muted">({formatClock(traceStartMs + node.startNs / 1e6, true)})</span>
        </dd>
        <dt>Critical path</dt>
        <dd>{critical ? formatDurationNs(criticalTimeNs(critical)) : <span className="muted">not on the path</span>}</dd>
        <dt>Kind</dt>
        <dd>{SPAN_KIND_NAMES[s.kind] ?? s.kind}</dd>
        <dt>Status</dt>
        <dd className={s.statusCode === 2 ? 'text-error' : undefined}>
          {STATUS[s.statusCode] ?? s.statusCode}
          {s.statusMessage && `: ${s.statusMessage}`}
        </dd>
        <dt>Span ID</dt>
        <dd className="mono">{s.spanId}</dd>
        <dt>Parent</dt>
        <dd className="mono">
          {node.parent ? (
            <button className="link-button" onClick={() => onSelect(node.parent!.id)}>
              {node.parent.span.name} ({s.parentSpanId})
            </button>
          ) : s.parentSpanId ? (
            <span title="The parent span is not in this trace (not received yet, or dropped)">{s.parentSpanId} (missing)</span>
          ) : (
            <span className="muted">root span</span>
          )}
        </dd>
        {s.scopeName && (
          <>
            <dt>Scope</dt>
            <dd>
              {s.scopeName} {s.scopeVersion}
            </dd>
          </>
        )}
      </dl>
      <div className="sd-actions">
        <CopyButton text={deepLink} label="Copy link to span" />
        <Link className="btn btn-small" to={link('/logs', { traceId: model.traceId })}>
          Logs of trace
        </Link>
      </div>
      <Section title={`Attributes (${Object.keys(s.attributes).length})`}>
        <AttributeTable attributes={s.attributes} />
        {s.droppedAttributesCount > 0 && <div className="muted small">{s.droppedAttributesCount} attributes dropped by the SDK</div>}
      </Section>
      <Section title={`Logs (${logs.length})`} defaultOpen={logs.length > 0}>
        {logs.length === 0 ? <div className="muted small">No logs carry this span id.</div> : logs.map((l, i) => <LogLine key={i} log={l} />)}
      </Section>
      <Section title={`Events (${s.events.length})`} defaultOpen={s.events.length > 0}>
        {s.events.length === 0 && <div className="muted small">None</div>}
        {s.events.map((e, i) => (
          <div key={i} className="sd-event">
            <div>
              <span className="mono muted">+{formatDurationNs(nanosToMs(e.timeUnixNano) * 1e6 - (traceStartMs * 1e6 + node.startNs))}</span>{' '}
              <strong className={e.name === 'exception' ? 'text-error' : undefined}>{e.name}</strong>
            </div>
            <AttributeTable attributes={e.attributes} empty="" />
          </div>
        ))}
      </Section>
      <Section title={`Links (${s.links.length})`} defaultOpen={s.links.length > 0}>
        {s.links.length === 0 && <div className="muted small">None</div>}
        {s.links.map((l, i) => (
          <div key={i} className="sd-event">
            <Link to={link(`/traces/${l.traceId}`, { span: l.spanId })} className="mono">
              {l.traceId} / {l.spanId}
            </Link>
            <AttributeTable attributes={l.attributes} empty="" />
          </div>
        ))}
      </Section>
      <Section title={`Resource (${Object.keys(s.resourceAttributes).length})`} defaultOpen={false}>
        <AttributeTable attributes={s.resourceAttributes} />
      </Section>
    </aside>
  );
}

function Section({ title, children, defaultOpen = true }: { title: string; children: React.ReactNode; defaultOpen?: boolean }) {
  return (
    <details className="sd-section" open={defaultOpen}>
      <summary>{title}</summary>
      <div className="sd-section-body">{children}</div>
    </details>
  );
}
