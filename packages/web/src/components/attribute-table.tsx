import { formatAttributeValue } from '../lib/logs.js';

/** Key/value table; keys sorted so the same attribute is always in the same place. */
export function AttributeTable({ attributes, empty = 'None' }: { attributes: Record<string, unknown>; empty?: string }) {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <div className="muted small">{empty}</div>;
  return (
    <table className="kv">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th title={k}>{k}</th>
            <td className={typeof v === 'string' ? 'kv-string' : 'kv-value'}>{formatAttributeValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
