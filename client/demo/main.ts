/**
 * The demo served at /demo: sign in, pick a persona, press Talk, and watch the transcript, the answer, the face and
 * a live A/V sync readout. Everything here goes through the client package, as a web developer's page would.
 */
import {
  AvatarClient,
  AvatarClientError,
  type AvatarSession,
  type BargeIn,
  createFace2D,
  type SessionEvent,
} from '../src';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const client = new AvatarClient();
/** `?micRate=44100` captures at that rate, as a device with that rate would deliver (8-96 kHz). */
const micRate = Number(new URLSearchParams(location.search).get('micRate')) || undefined;
let session: AvatarSession | null = null;
/** Each answer's bubble in the transcript. */
const answers = new Map<string, HTMLElement>();
let partial: HTMLElement | null = null;

/** For the browser test and the curious: the live session and what the face did. */
const demo = {
  get session() {
    return session;
  },
  /** performance.now() of face frames shown while audio played, with the mouth's openness. */
  faceLog: [] as { at: number; jawOpen: number; speaking: boolean }[],
  events: [] as SessionEvent[],
  states: [] as string[],
  /** Each barge-in: where playback stopped, and the audio clock (s) when it did. */
  bargeIns: [] as (BargeIn & { contextTime: number })[],
  /** performance.now() when each Interrupted event arrived. */
  interruptedAt: [] as number[],
};
Object.assign(window, { avatarDemo: demo });

function status(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

function describe(err: unknown): string {
  if (!(err instanceof AvatarClientError)) return String(err);
  if (err.code === 'MICROPHONE_DENIED')
    return 'Microphone blocked: allow it in the site settings, or type instead.';
  if (err.code === 'MICROPHONE_UNAVAILABLE') return 'No microphone could be opened; type instead.';
  return `${err.code}: ${err.message}`;
}

function bubble(kind: 'user' | 'avatar', text: string): HTMLElement {
  const el = document.createElement('div');
  el.className = kind;
  el.textContent = text;
  $('transcript').append(el);
  el.scrollIntoView({ block: 'end' });
  return el;
}

function onEvent(event: SessionEvent): void {
  demo.events.push(event);
  switch (event.__typename) {
    case 'TranscriptPartial':
      partial ??= bubble('user', '');
      partial.classList.add('partial');
      partial.textContent = event.text;
      return;
    case 'TranscriptFinal':
      if (partial) partial.remove();
      partial = null;
      bubble('user', event.text).dataset.testid = 'user-said';
      return;
    case 'ResponseTextDelta': {
      const el = answers.get(event.responseId) ?? bubble('avatar', '');
      el.dataset.testid = 'avatar-said';
      answers.set(event.responseId, el);
      el.textContent += event.delta;
      return;
    }
    case 'Interrupted': {
      demo.interruptedAt.push(performance.now());
      // What was heard stays; the rest of the answer is struck through.
      const el = answers.get(event.responseId);
      if (!el) return;
      const unsaid = Object.assign(document.createElement('span'), {
        className: 'cut',
        textContent: el.textContent?.slice(event.heardText.length) ?? '',
      });
      el.replaceChildren(`${event.heardText} `, unsaid);
      return;
    }
    case 'SessionError':
      status(`${event.code}: ${event.message}`, 'error');
      return;
    case 'SessionEnded':
      status(`Session ended (${event.reason}).`);
      return;
  }
}

function showSync(): void {
  if (!session) return;
  const p95 = session.sync.percentile(95);
  const mean = session.sync.mean;
  $('sync-p95').textContent = p95 === null ? '–' : `${p95.toFixed(1)} ms`;
  $('sync-mean').textContent = mean === null ? '–' : `${mean.toFixed(1)} ms`;
  $('frames').textContent = `${session.face?.shown ?? 0} / ${session.face?.skipped ?? 0}`;
  $('underruns').textContent = String(session.player?.underruns ?? 0);
}

$('sign-in-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target as HTMLFormElement);
  try {
    await client.signIn(String(form.get('username')), String(form.get('password')));
    const personas = await client.personas();
    $('persona').replaceChildren(
      ...personas.map((p) =>
        Object.assign(document.createElement('option'), { value: p.id, textContent: p.name }),
      ),
    );
    $('sign-in').hidden = true;
    $('setup').hidden = false;
    status(personas.length ? 'Pick a persona.' : 'No personas yet: create one in the console.');
  } catch (err) {
    status(describe(err), 'error');
  }
});

$('start').addEventListener('click', async () => {
  try {
    session = await client.createSession({ personaId: $<HTMLSelectElement>('persona').value });
    session.on('event', onEvent);
    session.on('state', (state) => {
      demo.states.push(state);
      status(`Session ${state}.`);
    });
    session.on('error', (err) => status(describe(err), 'error'));
    session.on('bargeIn', (cut) => {
      demo.bargeIns.push({ ...cut, contextTime: session?.player?.context.currentTime ?? 0 });
      const stopped = cut.stoppedAt;
      // Barge-in to silence: until the face, which follows the audio clock, stops speaking.
      const watch = () => {
        const last = demo.faceLog.at(-1);
        if (last && !last.speaking) $('barge-in').textContent = `${(last.at - stopped).toFixed(0)} ms`;
        else requestAnimationFrame(watch);
      };
      requestAnimationFrame(watch);
    });
    const drawFace = createFace2D($('face'));
    // Started from this click: browsers let audio play after a user gesture.
    session.startPlayback({
      onFace: (weights, info) => {
        drawFace(weights, info);
        demo.faceLog.push({ at: performance.now(), jawOpen: weights.jawOpen, speaking: info.speaking });
        if (demo.faceLog.length > 20_000) demo.faceLog.splice(0, 10_000);
      },
    });
    setInterval(showSync, 250);
    $('setup').hidden = true;
    $('conversation').hidden = false;
    status('Live: press Talk, or type.');
  } catch (err) {
    status(describe(err), 'error');
  }
});

$('talk').addEventListener('click', async () => {
  if (!session) return;
  const button = $('talk');
  if (button.getAttribute('aria-pressed') === 'true') {
    await session.stopMicrophone();
    button.setAttribute('aria-pressed', 'false');
    status('Microphone off.');
    return;
  }
  try {
    const mic = await session.startMicrophone({ deviceSampleRate: micRate });
    button.setAttribute('aria-pressed', 'true');
    status(
      `Listening (${mic.deviceSampleRate / 1000} kHz microphone, sent at ${mic.sampleRate / 1000} kHz).`,
    );
  } catch (err) {
    status(describe(err), 'error');
  }
});

$('say').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = (e.target as HTMLFormElement).elements.namedItem('text') as HTMLInputElement;
  if (!session || !input.value.trim()) return;
  try {
    await session.sendText(input.value);
    input.value = '';
  } catch (err) {
    status(describe(err), 'error');
  }
});

$('stop').addEventListener('click', () => {
  session?.interrupt().catch((err: unknown) => status(describe(err), 'error'));
});
