import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, CircularProgress, Tab, Tabs, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { DateField, Labeled, Show, TextField, useRecordContext } from 'react-admin';
import type { SessionSummaryFragment } from '../gql/graphql';
import { Replay } from '../replay/Replay';
import { LiveView } from './LiveView';
import { download, loadSessionLog, type SessionLog, transcriptText } from './log';
import { Waterfall } from './Waterfall';

function useSessionLog(id: string | undefined) {
  const [log, setLog] = useState<SessionLog | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!id) return;
    let cancelled = false;
    loadSessionLog(id).then(
      (loaded) => !cancelled && setLog(loaded),
      (err: Error) => !cancelled && setError(err.message),
    );
    return () => {
      cancelled = true;
    };
  }, [id]);
  return { log, error };
}

function ExportButtons({ session, log }: { session: SessionSummaryFragment; log: SessionLog }) {
  const base = `session-${session.traceId}`;
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <Button
        startIcon={<DownloadIcon />}
        onClick={() =>
          download(`${base}.json`, JSON.stringify({ session, ...log }, null, 2), 'application/json')
        }
      >
        Export JSON
      </Button>
      <Button
        startIcon={<DownloadIcon />}
        onClick={() =>
          download(
            `${base}.txt`,
            transcriptText(`Session with ${session.persona.name} (user ${session.user.username})`, log),
            'text/plain',
          )
        }
      >
        Export transcript
      </Button>
    </Box>
  );
}

function SessionDetails() {
  const session = useRecordContext<SessionSummaryFragment>();
  const ended = session?.status === 'ENDED';
  const [tab, setTab] = useState<'live' | 'replay' | 'latency' | null>(null);
  const { log, error } = useSessionLog(session?.id);
  if (!session) return null;
  const current = tab ?? (ended ? 'replay' : 'live');
  return (
    <Box sx={{ p: 2 }}>
      <Box sx={{ display: 'flex', gap: 4, flexWrap: 'wrap', mb: 2 }}>
        <Labeled label="User">
          <TextField source="user.username" />
        </Labeled>
        <Labeled label="Persona">
          <TextField source="persona.name" />
        </Labeled>
        <Labeled label="Status">
          <TextField source="status" />
        </Labeled>
        <Labeled label="Created">
          <DateField source="createdAt" showTime />
        </Labeled>
        <Labeled label="Ended">
          <DateField source="endedAt" showTime emptyText="—" />
        </Labeled>
        <Labeled label="Trace">
          <TextField source="traceId" />
        </Labeled>
        {log ? <ExportButtons session={session} log={log} /> : null}
      </Box>
      <Tabs value={current} onChange={(_, v) => setTab(v)} sx={{ mb: 2 }}>
        <Tab value="live" label="Live" disabled={ended} />
        <Tab value="replay" label="Replay" />
        <Tab value="latency" label="Latency" />
      </Tabs>
      {current === 'live' ? <LiveView sessionId={session.id} /> : null}
      {current !== 'live' ? (
        error ? (
          <Alert severity="error">{error}</Alert>
        ) : log ? (
          current === 'replay' ? (
            <Replay events={log.events} />
          ) : (
            <Waterfall turns={log.turns} />
          )
        ) : (
          <CircularProgress />
        )
      ) : null}
      {current !== 'live' && !ended ? (
        <Typography variant="caption">
          The session is still running: this shows what was logged when the page opened.
        </Typography>
      ) : null}
    </Box>
  );
}

function SessionTitle() {
  const session = useRecordContext<SessionSummaryFragment>();
  return (
    <span>{session ? `Session: ${session.user.username} with ${session.persona.name}` : 'Session'}</span>
  );
}

export function SessionShow() {
  return (
    <Show title={<SessionTitle />}>
      <SessionDetails />
    </Show>
  );
}
