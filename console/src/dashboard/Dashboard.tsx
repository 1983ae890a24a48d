import { Alert, Box, Card, CardContent, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { Title } from 'react-admin';
import { request } from '../api/client';
import type { ConsolePlatformActivityQuery } from '../gql/graphql';
import { PlatformActivityQuery } from './operations';

type Activity = ConsolePlatformActivityQuery['platformActivity'];

/** Often enough to feel live, rarely enough that a console left open costs the database nothing. */
const REFRESH_MS = 5_000;

function useActivity(): { activity: Activity | null; error: string | null } {
  const [activity, setActivity] = useState<Activity | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      request(PlatformActivityQuery, {}).then(
        (data) => {
          if (cancelled) return;
          setActivity(data.platformActivity);
          setError(null);
          timer = setTimeout(load, REFRESH_MS);
        },
        (err: Error) => {
          if (cancelled) return;
          setError(err.message);
          timer = setTimeout(load, REFRESH_MS);
        },
      );
    void load();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, []);
  return { activity, error };
}

function Figure({
  label,
  value,
  testId,
  hint,
}: {
  label: string;
  value: string;
  testId: string;
  hint?: string;
}) {
  return (
    <Card sx={{ minWidth: 200 }}>
      <CardContent>
        <Typography variant="overline" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" data-testid={testId}>
          {value}
        </Typography>
        {hint ? (
          <Typography variant="caption" color="text.secondary">
            {hint}
          </Typography>
        ) : null}
      </CardContent>
    </Card>
  );
}

/** The console's home: what the platform is doing now, across every node. */
export function Dashboard() {
  const { activity, error } = useActivity();
  return (
    <Box sx={{ p: 2 }} data-testid="activity-panel">
      <Title title="Avatar platform" />
      <Typography variant="h6" sx={{ mb: 2 }}>
        Now
      </Typography>
      {error ? <Alert severity="warning">{error}</Alert> : null}
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        <Figure
          label="Live sessions"
          testId="activity-live-sessions"
          value={String(activity?.liveSessions ?? '…')}
        />
        <Figure
          label="Turns per minute"
          testId="activity-turns-per-minute"
          value={String(activity?.turnsPerMinute ?? '…')}
        />
        <Figure
          label="Time to first audio, p95"
          testId="activity-first-audio-p95"
          value={
            activity ? (activity.firstAudioP95Ms === null ? '—' : `${activity.firstAudioP95Ms} ms`) : '…'
          }
          hint={
            activity ? `over ${activity.answersInWindow} answers in ${activity.windowMinutes} min` : undefined
          }
        />
      </Box>
    </Box>
  );
}
