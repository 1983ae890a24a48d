import { Box, Typography } from '@mui/material';
import type { Span } from './timeline';

/** One labelled row of timed spans (phonemes, visemes, gestures); the span under the cursor is highlighted. */
export function Lane({
  title,
  spans,
  durationMs,
  cursorMs,
  onSeek,
}: {
  title: string;
  spans: readonly Span[];
  durationMs: number;
  cursorMs: number;
  onSeek: (ms: number) => void;
}) {
  const pct = (ms: number) => `${durationMs > 0 ? (ms / durationMs) * 100 : 0}%`;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', mb: 0.5 }} data-testid={`lane-${title.toLowerCase()}`}>
      <Typography variant="caption" sx={{ width: 80, flexShrink: 0 }}>
        {title}
      </Typography>
      <Box sx={{ position: 'relative', flex: 1, height: 22, background: '#f5f5f5', overflow: 'hidden' }}>
        {spans.map((s, i) => {
          const active = s.startMs <= cursorMs && cursorMs < s.endMs;
          return (
            <Box
              key={i}
              title={`${s.label} ${Math.round(s.startMs)}–${Math.round(s.endMs)} ms`}
              onClick={() => onSeek(s.startMs)}
              sx={{
                position: 'absolute',
                left: pct(s.startMs),
                width: pct(Math.max(1, s.endMs - s.startMs)),
                top: 1,
                bottom: 1,
                fontSize: 10,
                lineHeight: '20px',
                overflow: 'hidden',
                whiteSpace: 'nowrap',
                cursor: 'pointer',
                borderLeft: '1px solid #fff',
                background: active ? '#ffb74d' : `rgba(25,118,210,${0.25 + 0.5 * (s.weight ?? 0.5)})`,
              }}
            >
              {s.label}
            </Box>
          );
        })}
        <Box
          sx={{
            position: 'absolute',
            left: pct(cursorMs),
            top: 0,
            bottom: 0,
            width: '1px',
            background: '#000',
          }}
        />
      </Box>
    </Box>
  );
}
