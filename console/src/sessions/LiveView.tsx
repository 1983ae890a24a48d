import { Alert, Box, Chip, Paper, Stack, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { createWsClient } from '../api/client';
import { followSessionEvents, type LiveEvent, type LiveStatus } from './liveEvents';

interface Line {
  key: string;
  speaker: 'user' | 'avatar';
  text: string;
  final: boolean;
  notes: string[];
}

/** Folds one event into the conversation as it forms: partial transcripts are replaced by finals, deltas append. */
export function applyLiveEvent(lines: Line[], event: LiveEvent): Line[] {
  const upsert = (key: string, change: (line: Line | undefined) => Line) => {
    const i = lines.findIndex((l) => l.key === key);
    if (i < 0) return [...lines, change(undefined)];
    return lines.map((l, j) => (j === i ? change(l) : l));
  };
  switch (event.__typename) {
    case 'TranscriptPartial':
      return upsert(`u:${event.utteranceId}`, () => ({
        key: `u:${event.utteranceId}`,
        speaker: 'user',
        text: event.text,
        final: false,
        notes: [],
      }));
    case 'TranscriptFinal':
      return upsert(`u:${event.utteranceId}`, () => ({
        key: `u:${event.utteranceId}`,
        speaker: 'user',
        text: event.text,
        final: true,
        notes: [],
      }));
    case 'ResponseStarted':
      return upsert(
        `r:${event.responseId}`,
        (l) => l ?? { key: `r:${event.responseId}`, speaker: 'avatar', text: '', final: false, notes: [] },
      );
    case 'ResponseTextDelta':
      return upsert(`r:${event.responseId}`, (l) => ({
        ...(l ?? { key: `r:${event.responseId}`, speaker: 'avatar', final: false, notes: [] }),
        text: `${l?.text ?? ''}${event.delta}`,
      }));
    case 'ResponseDone':
      return upsert(`r:${event.responseId}`, (l) => ({
        key: `r:${event.responseId}`,
        speaker: 'avatar',
        text: event.text,
        final: true,
        notes: [
          ...(l?.notes ?? []),
          ...(event.moderated ? ['flagged by moderation'] : []),
          `emotion: ${event.emotion}`,
        ],
      }));
    case 'Interrupted':
      return upsert(`r:${event.responseId}`, (l) => ({
        key: `r:${event.responseId}`,
        speaker: 'avatar',
        text: event.heardText,
        final: true,
        notes: [...(l?.notes ?? []), `interrupted after ${Math.round(event.playedMs)} ms`],
      }));
    case 'SessionError':
      return [
        ...lines,
        {
          key: `e:${event.seq}`,
          speaker: 'avatar',
          text: `${event.code}: ${event.message}`,
          final: true,
          notes: ['error'],
        },
      ];
    default:
      return lines;
  }
}

/** The conversation of an active session as it happens, from the sessionEvents subscription. */
export function LiveView({ sessionId }: { sessionId: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState<LiveStatus>({
    state: 'connecting',
    message: 'Connecting…',
    lastSeq: 0,
  });
  const [reconnected, setReconnected] = useState<string | null>(null);

  useEffect(() => {
    setLines([]);
    return followSessionEvents({
      sessionId,
      afterSeq: 0,
      connect: () => createWsClient(),
      onEvent: (event) => setLines((current) => applyLiveEvent(current, event)),
      onStatus: (s) => {
        setStatus(s);
        if (s.state === 'live' && s.message.startsWith('Reconnected')) setReconnected(s.message);
      },
    });
  }, [sessionId]);

  const color = {
    live: 'success',
    connecting: 'default',
    reconnecting: 'warning',
    ended: 'default',
    failed: 'error',
  } as const;
  return (
    <Stack spacing={1} data-testid="live-view">
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
        <Chip size="small" color={color[status.state]} label={status.message} data-testid="live-status" />
        <Typography variant="caption">last event #{status.lastSeq}</Typography>
      </Box>
      {status.state === 'reconnecting' ? <Alert severity="warning">{status.message}</Alert> : null}
      {reconnected && status.state === 'live' ? <Alert severity="info">{reconnected}</Alert> : null}
      <Paper variant="outlined" sx={{ p: 2, minHeight: 120 }}>
        {lines.length === 0 ? (
          <Typography color="text.secondary">Waiting for the conversation…</Typography>
        ) : null}
        {lines.map((l) => (
          <Typography key={l.key} sx={{ opacity: l.final ? 1 : 0.6, mb: 0.5 }}>
            <b>{l.speaker === 'user' ? 'User' : 'Avatar'}:</b> {l.text}
            {l.notes.map((n) => (
              <Chip
                key={n}
                size="small"
                label={n}
                sx={{ ml: 1 }}
                color={n.startsWith('flagged') || n === 'error' ? 'warning' : 'default'}
              />
            ))}
          </Typography>
        ))}
      </Paper>
    </Stack>
  );
}
