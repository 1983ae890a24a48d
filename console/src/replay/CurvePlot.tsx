import type { KeyboardEvent, MouseEvent } from 'react';
import { ARKIT_INDEX } from './arkit';
import type { FrameSample } from './timeline';

const COLORS = ['#1976d2', '#d32f2f', '#388e3c', '#f57c00', '#7b1fa2', '#0097a7', '#5d4037', '#c2185b'];

export function curveColor(i: number): string {
  return COLORS[i % COLORS.length]!;
}

/** Blendshape curves over the timeline as SVG polylines, with the audio cursor; click to seek. */
export function CurvePlot({
  frames,
  curves,
  durationMs,
  cursorMs,
  onSeek,
  width = 900,
  height = 180,
}: {
  frames: readonly FrameSample[];
  curves: readonly string[];
  durationMs: number;
  cursorMs: number;
  onSeek: (ms: number) => void;
  width?: number;
  height?: number;
}) {
  const x = (ms: number) => (durationMs > 0 ? (ms / durationMs) * width : 0);
  const y = (v: number) => height - 4 - v * (height - 8);
  const seek = (e: MouseEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    onSeek(((e.clientX - box.left) / box.width) * durationMs);
  };
  // Arrow keys step the cursor a tenth of a second, so the plot is usable without a mouse.
  const step = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'ArrowRight') onSeek(cursorMs + 100);
    if (e.key === 'ArrowLeft') onSeek(cursorMs - 100);
  };
  return (
    <div
      onClick={seek}
      onKeyDown={step}
      tabIndex={0}
      role="slider"
      aria-label="Audio cursor"
      aria-valuemin={0}
      aria-valuemax={Math.round(durationMs)}
      aria-valuenow={Math.round(cursorMs)}
      style={{ cursor: 'crosshair', lineHeight: 0 }}
    >
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        height={height}
        preserveAspectRatio="none"
        role="img"
        aria-label="Blendshape curves"
        data-testid="blendshape-plot"
        style={{ background: '#fafafa', border: '1px solid #ddd' }}
      >
        {[0.25, 0.5, 0.75].map((v) => (
          <line key={v} x1={0} x2={width} y1={y(v)} y2={y(v)} stroke="#e0e0e0" />
        ))}
        {curves.map((name, i) => {
          const index = ARKIT_INDEX.get(name);
          if (index === undefined) return null;
          const points = frames
            .map((f) => `${x(f.timeMs).toFixed(1)},${y(f.weights[index] ?? 0).toFixed(1)}`)
            .join(' ');
          return (
            <polyline
              key={name}
              data-curve={name}
              points={points}
              fill="none"
              stroke={curveColor(i)}
              strokeWidth={1.5}
              vectorEffect="non-scaling-stroke"
            />
          );
        })}
        <line
          x1={x(cursorMs)}
          x2={x(cursorMs)}
          y1={0}
          y2={height}
          stroke="#000"
          strokeWidth={1}
          vectorEffect="non-scaling-stroke"
        />
      </svg>
    </div>
  );
}
