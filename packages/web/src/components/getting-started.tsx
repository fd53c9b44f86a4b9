import { useState } from 'react';
import type { InfoResponse } from '@sightline/client';
import { CopyButton } from './copy-button.js';

type Lang = 'env' | 'node' | 'python' | 'go' | 'java';

function snippets(info: InfoResponse): Record<Lang, { label: string; code: string }> {
  const http = info.otlp.httpEndpoint;
  const grpc = info.otlp.grpcEndpoint;
  const env = `export OTEL_SERVICE_NAME=my-service
export OTEL_EXPORTER_OTLP_ENDPOINT=${http}
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
export OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp OTEL_LOGS_EXPORTER=otlp`;
  return {
    env: { label: 'Any SDK (env)', code: env },
    node: {
      label: 'Node.js',
      code: `npm install @opentelemetry/api @opentelemetry/auto-instrumentations-node
${env}
node --require @opentelemetry/auto-instrumentations-node/register app.js`,
    },
    python: {
      label: 'Python',
      code: `pip install opentelemetry-distro opentelemetry-exporter-otlp
opentelemetry-bootstrap -a install
${env}
export OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED=true
opentelemetry-instrument python app.py`,
    },
    go: {
      label: 'Go',
      code: `# go get go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc
# otlptracegrpc.New(ctx) reads the standard variables:
export OTEL_SERVICE_NAME=my-service
export OTEL_EXPORTER_OTLP_ENDPOINT=${grpc}
export OTEL_EXPORTER_OTLP_INSECURE=true`,
    },
    java: {
      label: 'Java',
      code: `curl -sLO https://github.com/open-telemetry/opentelemetry-java-instrumentation/releases/latest/download/opentelemetry-javaagent.jar
${env}
java -javaagent:opentelemetry-javaagent.jar -jar app.jar`,
    },
  };
}

/** The first thing a new install shows: where to send data and how, copy-paste ready. */
export function GettingStarted({ info }: { info: InfoResponse }) {
  const [lang, setLang] = useState<Lang>('env');
  const all = snippets(info);
  return (
    <section className="getting-started" data-testid="getting-started">
      <h2>Send your first telemetry</h2>
      <p>
        Sightline {info.version} is running but has not received any data yet. Point any OpenTelemetry SDK or Collector at these endpoints; traces, metrics and
        logs show up here within seconds.
      </p>
      <div className="endpoints">
        <div>
          <span className="endpoint-label">OTLP/HTTP</span>
          <code data-testid="otlp-http-endpoint">{info.otlp.httpEndpoint}</code>
          <CopyButton text={info.otlp.httpEndpoint} />
          <span className="muted">/v1/traces · /v1/metrics · /v1/logs</span>
        </div>
        <div>
          <span className="endpoint-label">OTLP/gRPC</span>
          <code data-testid="otlp-grpc-endpoint">{info.otlp.grpcEndpoint}</code>
          <CopyButton text={info.otlp.grpcEndpoint} />
        </div>
      </div>
      <div className="tabs" role="tablist">
        {(Object.keys(all) as Lang[]).map((k) => (
          <button key={k} role="tab" aria-selected={lang === k} className={lang === k ? 'tab active' : 'tab'} onClick={() => setLang(k)}>
            {all[k].label}
          </button>
        ))}
      </div>
      <div className="code-block">
        <CopyButton text={all[lang].code} className="btn btn-small code-copy" />
        <pre>{all[lang].code}</pre>
      </div>
    </section>
  );
}
