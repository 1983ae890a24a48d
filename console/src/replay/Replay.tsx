import { Box, Checkbox, FormControlLabel, Paper, Stack, Typography } from '@mui/material';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ARKIT_BLENDSHAPES, DEFAULT_CURVES, namedWeights } from './arkit';
import { CurvePlot, curveColor } from './CurvePlot';
import { Face } from './Face';
import { Lane } from './Lane';
import { encodeWav } from './pcm';
import { buildTimeline, frameAt, type LoggedEvent } from './timeline';

const SELECTABLE = ARKIT_BLENDSHAPES.filter((n) => /^(jaw|mouth|cheek|tongue)/.test(n));

/** One timeline for an ended session: audio player, transcript, phoneme/viseme lanes, curves and face, in sync. */
export function Replay({ events }: { events: readonly LoggedEvent[] }) {
  const timeline = useMemo(() => buildTimeline(events), [events]);
  const audioUrl = useMemo(
    () =>
      timeline.samples.length
        ? URL.createObjectURL(
            new Blob([encodeWav(timeline.samples, timeline.sampleRate)], { type: 'audio/wav' }),
          )
        : undefined,
    [timeline],
  );
  useEffect(() => () => (audioUrl ? URL.revokeObjectURL(audioUrl) : undefined), [audioUrl]);

  const audio = useRef<HTMLAudioElement>(null);
  const [cursorMs, setCursorMs] = useState(0);
  const [curves, setCurves] = useState<string[]>(DEFAULT_CURVES);

  // Follow the audio clock every animation frame while it plays; timeupdate alone is too coarse for lip-sync.
  useEffect(() => {
    let raf = 0;
    const tick = () => {
      if (audio.current) setCursorMs(audio.current.currentTime * 1000);
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, []);

  const seek = (ms: number) => {
    const clamped = Math.max(0, Math.min(ms, timeline.durationMs));
    if (audio.current) audio.current.currentTime = clamped / 1000;
    setCursorMs(clamped);
  };
  const frame = frameAt(timeline.frames, cursorMs);
  const durationMs = Math.max(timeline.durationMs, 1);

  if (!events.length) return <Typography>This session has no recorded events.</Typography>;
  return (
    <Stack spacing={2} data-testid="replay">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center' }}>
        {audioUrl ? (
          // biome-ignore lint/a11y/useMediaCaption: the transcript lane and list below are the captions
          <audio ref={audio} controls src={audioUrl} data-testid="replay-audio" style={{ flex: 1 }} />
        ) : (
          <Typography>No speech audio in this session.</Typography>
        )}
        <Typography variant="body2" data-testid="replay-cursor" sx={{ minWidth: 140 }}>
          {(cursorMs / 1000).toFixed(2)} s / {(timeline.durationMs / 1000).toFixed(2)} s
        </Typography>
      </Box>
      <Box sx={{ display: 'flex', gap: 2 }}>
        <Paper variant="outlined" sx={{ p: 1, flexShrink: 0 }}>
          <Face weights={frame ? namedWeights(frame.weights) : {}} />
        </Paper>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Lane
            title="Transcript"
            durationMs={durationMs}
            cursorMs={cursorMs}
            onSeek={seek}
            spans={timeline.transcript.map((t) => ({
              startMs: t.atMs,
              endMs: Math.max(t.endMs, t.atMs + durationMs / 100),
              label: `${t.speaker === 'user' ? '🗣 ' : ''}${t.text}${t.interrupted ? ' ✂' : ''}`,
            }))}
          />
          <Lane
            title="Phonemes"
            spans={timeline.phonemes}
            durationMs={durationMs}
            cursorMs={cursorMs}
            onSeek={seek}
          />
          <Lane
            title="Visemes"
            spans={timeline.visemes}
            durationMs={durationMs}
            cursorMs={cursorMs}
            onSeek={seek}
          />
          <Lane
            title="Gestures"
            spans={timeline.gestures}
            durationMs={durationMs}
            cursorMs={cursorMs}
            onSeek={seek}
          />
          {/* Indented like the lanes' label column, so the plot's cursor lines up with theirs. */}
          <Box sx={{ pl: '80px' }}>
            <CurvePlot
              frames={timeline.frames}
              curves={curves}
              durationMs={durationMs}
              cursorMs={cursorMs}
              onSeek={seek}
            />
          </Box>
          <Typography variant="caption">
            {timeline.frames.length} blendshape frames; click the plot or a lane to seek.
          </Typography>
        </Box>
      </Box>
      <Box>
        <Typography variant="subtitle2">Curves</Typography>
        {SELECTABLE.map((name) => {
          const on = curves.includes(name);
          return (
            <FormControlLabel
              key={name}
              sx={{
                mr: 1,
                '& .MuiFormControlLabel-label': {
                  fontSize: 12,
                  color: on ? curveColor(curves.indexOf(name)) : undefined,
                },
              }}
              control={
                <Checkbox
                  size="small"
                  checked={on}
                  onChange={() => setCurves(on ? curves.filter((c) => c !== name) : [...curves, name])}
                />
              }
              label={name}
            />
          );
        })}
      </Box>
      <Box>
        <Typography variant="subtitle2">Transcript</Typography>
        {timeline.transcript.map((t, i) => (
          <Typography
            key={i}
            variant="body2"
            sx={{ cursor: 'pointer', fontWeight: cursorMs >= t.atMs && cursorMs < t.endMs ? 700 : 400 }}
            onClick={() => seek(t.atMs)}
          >
            <b>{t.speaker === 'user' ? 'User' : 'Avatar'}:</b> {t.text}
            {t.interrupted ? ' (interrupted)' : ''}
            {t.moderated ? ' (moderated)' : ''}
          </Typography>
        ))}
      </Box>
    </Stack>
  );
}
