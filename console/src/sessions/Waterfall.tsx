import { Box, Chip, Stack, Typography } from '@mui/material';
import type { LoggedTurn } from './log';
import { tickStep, WATERFALL_STAGES, type WaterfallStage, waterfallStages } from './waterfall';

const STAGE_COLOURS: Record<string, string> = {
  stt: '#7e57c2',
  prompt: '#26a69a',
  llm: '#ef6c00',
  tts: '#1e88e5',
  rest: '#b0bec5',
};

const LABEL_WIDTH = 260;

interface Row {
  turn: LoggedTurn;
  question: string | null;
  stages: WaterfallStage[];
}

/** Each answer's question: the user turn stored just before it. */
function rowsOf(turns: LoggedTurn[]): Row[] {
  const rows: Row[] = [];
  let question: string | null = null;
  for (const turn of turns) {
    if (turn.role === 'USER') {
      question = turn.text;
      continue;
    }
    const stages = waterfallStages(turn.timings);
    if (stages.length) rows.push({ turn, question, stages });
    question = null;
  }
  return rows;
}

const ms = (n: number) => `${Math.round(n)} ms`;

/**
 * Each answer's latency as stages on one time axis, from the end of the user's turn (the stored per-turn
 * timings). Bars share the axis, so a slow turn and its slow stage stand out at a glance.
 */
export function Waterfall({ turns }: { turns: LoggedTurn[] }) {
  const rows = rowsOf(turns);
  if (!rows.length) {
    return <Typography color="text.secondary">No answers with timings yet.</Typography>;
  }
  const axisMs = Math.max(...rows.map((r) => r.stages.at(-1)?.endMs ?? 0), 1);
  const step = tickStep(axisMs);
  const ticks = Array.from({ length: Math.floor(axisMs / step) + 1 }, (_, i) => i * step);
  const at = (t: number) => `${(t / axisMs) * 100}%`;
  return (
    <Box data-testid="latency-waterfall">
      <Stack direction="row" spacing={1} sx={{ mb: 2, flexWrap: 'wrap' }}>
        {WATERFALL_STAGES.map(({ key, label }) => (
          <Chip
            key={key}
            size="small"
            label={label}
            sx={{ bgcolor: STAGE_COLOURS[key], color: key === 'rest' ? 'black' : 'white' }}
          />
        ))}
      </Stack>
      {rows.map(({ turn, question, stages }) => (
        <Box key={turn.id} data-testid="waterfall-row" sx={{ display: 'flex', alignItems: 'center', mb: 1 }}>
          <Box sx={{ width: LABEL_WIDTH, pr: 2, flexShrink: 0 }}>
            <Typography variant="body2" noWrap title={question ?? turn.text}>
              {question ? `“${question}”` : turn.text || '(nothing said)'}
            </Typography>
            <Typography variant="caption" color="text.secondary">
              {new Date(turn.startedAt).toLocaleTimeString()} · first audio{' '}
              {ms(stages.find((s) => s.key === 'tts')?.endMs ?? Number.NaN)}
              {turn.interrupted ? ' · interrupted' : ''}
            </Typography>
          </Box>
          <Box sx={{ position: 'relative', flexGrow: 1, height: 22, bgcolor: 'grey.100' }}>
            {stages.map((stage) => (
              <Box
                key={stage.key}
                data-stage={stage.key}
                title={`${stage.label}: ${ms(stage.startMs)} → ${ms(stage.endMs)} (${ms(stage.endMs - stage.startMs)})`}
                sx={{
                  position: 'absolute',
                  top: 3,
                  bottom: 3,
                  left: at(stage.startMs),
                  width: at(stage.endMs - stage.startMs),
                  minWidth: 2,
                  bgcolor: STAGE_COLOURS[stage.key],
                }}
              />
            ))}
          </Box>
        </Box>
      ))}
      <Box sx={{ position: 'relative', ml: `${LABEL_WIDTH}px`, height: 20 }} data-testid="waterfall-axis">
        {ticks.map((tick) => (
          <Typography
            key={tick}
            variant="caption"
            sx={{ position: 'absolute', left: at(tick), transform: 'translateX(-50%)' }}
          >
            {tick >= 1000 ? `${tick / 1000} s` : ms(tick)}
          </Typography>
        ))}
      </Box>
    </Box>
  );
}
