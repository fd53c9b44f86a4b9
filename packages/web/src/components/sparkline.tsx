import { memo } from 'react';

interface SparklineProps {
  values: number[];
  width?: number;
  height?: number;
  color?: string;
  /** Fill under the line; off for ratios that are mostly zero. */
  area?: boolean;
  title?: string;
}

/** Tiny SVG line; a chart library per table cell would cost far more than it shows. */
export const Sparkline = memo(function Sparkline({ values, width = 96, height = 22, color = 'var(--accent)', area = true, title }: SparklineProps) {
  const finite = values.map((v) => (Number.isFinite(v) ? v : 0));
  if (finite.length < 2) return <svg width={width} height={height} className="sparkline" aria-hidden="true" />;
  const max = Math.max(...finite);
  const min = Math.min(0, ...finite);
  const span = max - min || 1;
  const step = width / (finite.length - 1);
  const y = (v: number) => height - 1 - ((v - min) / span) * (height - 2);
  let d = '';
  finite.forEach((v, i) => {
    d += `${i ? 'L' : 'M'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`;
  });
  return (
    <svg width={width} height={height} className="sparkline" role="img" aria-label={title}>
      {title && <title>{title}</title>}
      {area && <path d={`${d}L${width},${height}L0,${height}Z`} fill={color} opacity={0.15} />}
      <path d={d} fill="none" stroke={color} strokeWidth={1.25} vectorEffect="non-scaling-stroke" />
    </svg>
  );
});
