import { Alert, Box, Button, Chip, Paper, Stack, TextField, Typography } from '@mui/material';
import { useCallback, useEffect, useRef, useState } from 'react';
import { createWsClient, request } from '../api/client';
import { weightsForViseme } from '../replay/arkit';
import { Face } from '../replay/Face';
import { decodePcm16Base64 } from '../replay/pcm';
import { followSessionEvents, type LiveEvent, type LiveStatus } from '../sessions/liveEvents';
import { CreateSessionMutation, EndSessionMutation, SendTextMutation } from '../sessions/operations';

type SpeechChunk = Extract<LiveEvent, { __typename: 'SpeechChunk' }>;

/** Plays SpeechChunks back to back with Web Audio and raises each viseme cue when its audio plays. */
class ChunkPlayer {
  private context: AudioContext | undefined;
  private nextStart = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];

  constructor(private readonly onViseme: (viseme: { name: string; weight: number } | null) => void) {}

  /** Browsers only let audio start from a user gesture: call this from the click that starts the session. */
  unlock() {
    this.context ??= new AudioContext();
    void this.context.resume();
  }

  play(chunk: SpeechChunk) {
    this.unlock();
    const ctx = this.context!;
    const samples = decodePcm16Base64(chunk.audio);
    if (!samples.length) return;
    const buffer = ctx.createBuffer(1, samples.length, chunk.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    const startAt = Math.max(ctx.currentTime + 0.05, this.nextStart);
    source.start(startAt);
    this.nextStart = startAt + buffer.duration;
    const leadMs = (startAt - ctx.currentTime) * 1000;
    // Cue times are relative to the response's audio; this chunk starts at chunk.startMs of it.
    for (const cue of chunk.visemes) {
      const at = leadMs + cue.startMs - chunk.startMs;
      this.timers.push(setTimeout(() => this.onViseme({ name: cue.viseme, weight: cue.weight }), at));
      this.timers.push(setTimeout(() => this.onViseme(null), leadMs + cue.endMs - chunk.startMs));
    }
  }

  stop() {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    void this.context?.close();
    this.context = undefined;
    this.nextStart = 0;
  }
}

/** Talks to a persona through a temporary session: type a line, hear the answer, watch its visemes. */
export function TryItPanel({ personaId }: { personaId: string }) {
  const [session, setSession] = useState<{ id: string; token: string } | null>(null);
  const [status, setStatus] = useState<LiveStatus | null>(null);
  const [text, setText] = useState('Hello! Who are you?');
  const [answer, setAnswer] = useState('');
  const [viseme, setViseme] = useState<{ name: string; weight: number } | null>(null);
  const [played, setPlayed] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const player = useRef<ChunkPlayer>(null);

  // The face shows the current viseme; the strip keeps the last few so a reviewer can read the sequence.
  const showViseme = useCallback((next: { name: string; weight: number } | null) => {
    setViseme(next);
    if (next) setPlayed((list) => [...list.slice(-15), next.name]);
  }, []);

  useEffect(() => {
    if (!session) return;
    const chunkPlayer = player.current ?? new ChunkPlayer(showViseme);
    const stop = followSessionEvents({
      sessionId: session.id,
      afterSeq: 0,
      connect: () => createWsClient(session.token),
      onStatus: setStatus,
      onEvent: (event) => {
        if (event.__typename === 'ResponseStarted') setAnswer('');
        if (event.__typename === 'ResponseTextDelta') setAnswer((a) => a + event.delta);
        if (event.__typename === 'ResponseDone') setAnswer(event.text);
        if (event.__typename === 'SpeechChunk') chunkPlayer.play(event);
        if (event.__typename === 'SessionError') setError(`${event.code}: ${event.message}`);
      },
    });
    return () => {
      stop();
      chunkPlayer.stop();
      player.current = null;
      // The temporary session must not outlive the panel.
      void request(EndSessionMutation, { id: session.id }).catch(() => undefined);
    };
  }, [session, showViseme]);

  const start = async () => {
    setError(null);
    player.current = new ChunkPlayer(showViseme);
    player.current.unlock();
    try {
      const { createSession } = await request(CreateSessionMutation, {
        // The persona greets first, so an edit of its greeting is heard at once.
        input: { personaId, capabilities: ['audio', 'text', 'visemes'], greet: true },
      });
      setSession({ id: createSession.session.id, token: createSession.sessionToken });
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const send = async () => {
    if (!session) return;
    setError(null);
    try {
      await request(SendTextMutation, { sessionId: session.id, text });
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid="try-it">
      <Typography variant="h6">Try it</Typography>
      <Stack spacing={1}>
        {!session ? (
          <Button variant="outlined" onClick={start}>
            Start a test session
          </Button>
        ) : (
          <>
            {status ? <Chip size="small" label={status.message} /> : null}
            <TextField
              size="small"
              label="Say"
              value={text}
              onChange={(e) => setText(e.target.value)}
              multiline
            />
            <Box sx={{ display: 'flex', gap: 1 }}>
              <Button variant="contained" onClick={send} disabled={!text.trim()}>
                Send
              </Button>
              <Button onClick={() => setSession(null)}>End</Button>
            </Box>
          </>
        )}
        {error ? <Alert severity="error">{error}</Alert> : null}
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center' }}>
          <Face weights={viseme ? weightsForViseme(viseme.name, viseme.weight) : {}} size={120} />
          <Box>
            <Typography variant="caption">Viseme</Typography>
            <Typography variant="h5" data-testid="try-it-viseme">
              {viseme?.name ?? '—'}
            </Typography>
          </Box>
        </Box>
        {played.length ? (
          <Typography variant="caption" data-testid="try-it-visemes-played">
            Played: {played.join(' ')}
          </Typography>
        ) : null}
        {answer ? <Typography data-testid="try-it-answer">{answer}</Typography> : null}
      </Stack>
    </Paper>
  );
}
