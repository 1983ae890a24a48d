/**
 * The demo page in real headless Chromium, with a fake microphone fed from a WAV file: a spoken question, then a
 * second utterance over the answer (barge-in). Prints the A/V figures the README quotes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../api/src/adapters/audio/wav';
import type { PcmAudio } from '../../api/src/domain/audio';
import { launchChromium } from '../../api/test-support/chromium';
import { startTestApp, TEST_USERS, type TestApp } from '../../api/test-support/harness';
import { CreatePersonaMutation, SessionQuery } from '../../api/test-support/operations';
import { synthesizeSpeech } from '../../api/test-support/speech';
import { startTcpProxy } from '../../api/test-support/tcp-proxy';

const demoRoot = path.resolve(import.meta.dirname, '..', 'demo');
const RATE = 48_000;

/** The microphone's whole recording: question, pause while the avatar answers, barge-in, then silence. */
async function microphoneRecording(): Promise<PcmAudio> {
  const question = await synthesizeSpeech('Hello, what is your name?', RATE);
  const bargeIn = await synthesizeSpeech('Wait, stop please.', RATE);
  const silence = (seconds: number) => new Int16Array(Math.round(seconds * RATE));
  const parts = [silence(0.3), question.samples, silence(3.4), bargeIn.samples, silence(40)];
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, sampleRate: RATE };
}

/** Records, in the page, the first and last loud sample of every render quantum the player outputs. */
const TAP_SOURCE = `
class Tap extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) {
      let first = -1, last = -1;
      for (let i = 0; i < ch.length; i++) if (Math.abs(ch[i]) > 0.01) { if (first < 0) first = i; last = i; }
      if (first >= 0) this.port.postMessage([currentFrame + first, currentFrame + last]);
    }
    return true;
  }
}
registerProcessor('loudness-tap', Tap);`;

interface PageTap {
  loud: [number, number][];
  /** For each answer's first chunk: the context time its first loud sample was scheduled to play. */
  scheduled: { responseId: string; at: number }[];
  sampleRate: number;
}

async function installTap(page: Page): Promise<void> {
  await page.evaluate(async (source) => {
    const demo = (window as unknown as { avatarDemo: { session: import('../src').AvatarSession } })
      .avatarDemo;
    const session = demo.session;
    const player = session.player!;
    const ctx = player.context;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    await ctx.audioWorklet.addModule(url);
    const tap = new AudioWorkletNode(ctx, 'loudness-tap');
    const mute = ctx.createGain();
    mute.gain.value = 0;
    tap.connect(mute).connect(ctx.destination);
    player.output.connect(tap);
    const state: PageTap = { loud: [], scheduled: [], sampleRate: ctx.sampleRate };
    Object.assign(window, { tap: state });
    tap.port.onmessage = (e: MessageEvent<[number, number]>) => state.loud.push(e.data);
    session.on('event', (event) => {
      if (event.__typename !== 'SpeechChunk' || event.chunkSeq !== 0) return;
      const origin = player.timeOf(event.responseId, 0);
      const bytes = Uint8Array.from(atob(event.audio), (c) => c.charCodeAt(0));
      const view = new DataView(bytes.buffer);
      let first = -1;
      for (let i = 0; i < bytes.length / 2; i++) {
        if (Math.abs(view.getInt16(i * 2, true)) / 32768 > 0.01) {
          first = i;
          break;
        }
      }
      if (origin !== null && first >= 0) {
        state.scheduled.push({
          responseId: event.responseId,
          at: origin + event.startMs / 1000 + first / event.sampleRate,
        });
      }
    });
  }, TAP_SOURCE);
}

async function signInAndStart(page: Page, url: string, personaName: string): Promise<void> {
  await page.goto(url);
  await page.locator('input[name="username"]').fill(TEST_USERS.alice.username);
  await page.locator('input[name="password"]').fill(TEST_USERS.alice.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#persona').selectOption({ label: personaName });
  await page.getByRole('button', { name: 'Start a session' }).click();
  await page.locator('#conversation').waitFor();
}

const statusOf = async (page: Page) => (await page.locator('#status').textContent()) ?? '';

describe('the demo page in Chromium with a fake microphone', () => {
  let t: TestApp;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  const personaName = 'Demo guide';
  const figures: Record<string, string> = {};

  beforeAll(async () => {
    await build({ configFile: path.join(demoRoot, 'vite.config.ts'), logLevel: 'error' });
    dir = await mkdtemp(path.join(tmpdir(), 'demo-e2e-'));
    const wav = path.join(dir, 'microphone.wav');
    await writeFile(wav, encodeWav(await microphoneRecording()));
    // The browser reaches the API through a proxy it can be cut off by, as a network would.
    let apiPort = 0;
    proxy = await startTcpProxy(() => apiPort);
    t = await startTestApp({ env: { DEMO_DIR: path.join(demoRoot, 'dist'), PUBLIC_URL: proxy.url } });
    apiPort = Number(new URL(t.url).port);
    const admin = await t.token('admin');
    await t.gql(
      CreatePersonaMutation,
      { input: { name: personaName, systemPrompt: 'You are Ada, a friendly museum guide.' } },
      admin,
    );
    browser = await launchChromium([
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
    ]);
    context = await browser.newContext({ permissions: ['microphone'] });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    if (Object.keys(figures).length) console.log('\nA/V sync in Chromium (demo page):', figures);
    await browser?.close();
    await t?.stop();
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hears a spoken question and shows the transcript, the answer and a moving face', async () => {
    await signInAndStart(page, `${proxy.url}/demo/`, personaName);
    await installTap(page);
    await page.getByRole('button', { name: 'Talk' }).click();
    // Whatever the (fake) device's rate, frames go out at a rate the server takes.
    await expect
      .poll(() => statusOf(page))
      .toMatch(/Listening \([\d.]+ kHz microphone, sent at (8|16|24|48) kHz\)/);
    await expect
      .poll(() => page.locator('[data-testid="user-said"]').first().textContent(), { timeout: 30_000 })
      .toMatch(/name/i);
    await expect
      .poll(() => page.locator('[data-testid="avatar-said"]').first().textContent(), { timeout: 30_000 })
      .toMatch(/Demo guide/);
    // While the answer plays, the face moves: many different mouth openings.
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const log = (
              window as unknown as { avatarDemo: { faceLog: { jawOpen: number; speaking: boolean }[] } }
            ).avatarDemo.faceLog;
            return new Set(log.filter((f) => f.speaking).map((f) => f.jawOpen.toFixed(2))).size;
          }),
        { timeout: 15_000 },
      )
      .toBeGreaterThan(10);
  });

  it('stops at once when the user talks over the answer, and the server keeps what was played', async () => {
    const demo = () =>
      page.evaluate(() => {
        const d = (window as unknown as { avatarDemo: Record<string, unknown> }).avatarDemo as unknown as {
          bargeIns: { responseId: string; playedMs: number; stoppedAt: number; contextTime: number }[];
          events: { __typename: string; responseId?: string; playedMs?: number; heardText?: string }[];
          faceLog: { at: number; jawOpen: number; speaking: boolean }[];
          interruptedAt: number[];
          session: { id: string; player: { context: AudioContext } };
        };
        return {
          bargeIns: d.bargeIns,
          interrupted: d.events.filter((e) => e.__typename === 'Interrupted'),
          faceLog: d.faceLog,
          interruptedAt: d.interruptedAt,
          sessionId: d.session.id,
          outputLatency: d.session.player.context.outputLatency,
          tap: (window as unknown as { tap: PageTap }).tap,
        };
      });
    await expect.poll(async () => (await demo()).interrupted.length, { timeout: 30_000 }).toBe(1);
    // The face has had time to settle after the cut (the next answer needs the user to finish first).
    await page.waitForTimeout(500);
    const { bargeIns, interrupted, faceLog, interruptedAt, sessionId, outputLatency, tap } = await demo();
    expect(bargeIns).toHaveLength(1);
    const cut = bargeIns[0]!;
    const event = interrupted[0]!;
    // The server cut the answer where the client said its playback stopped, and stored exactly that.
    expect(event).toMatchObject({ responseId: cut.responseId, playedMs: cut.playedMs });
    const stored = await t.gql(SessionQuery, { id: sessionId }, await t.token('alice'));
    const turns = stored.data!.session.turns.edges.map((e) => e.node);
    const answer = turns.find((turn) => turn.role === 'ASSISTANT' && turn.interrupted);
    expect(answer?.text).toBe(event.heardText);
    expect(event.heardText?.length).toBeGreaterThan(0);

    // Silence: the last loud sample the player rendered after the stop, on the audio clock.
    const lastLoud = Math.max(
      ...tap.loud.map(([, last]) => last / tap.sampleRate).filter((s) => s < cut.contextTime + 1),
    );
    const silenceMs = Math.max(0, (lastLoud - cut.contextTime) * 1000);
    expect(silenceMs).toBeLessThan(100);
    // The face rests within a few frames of the cut.
    const after = faceLog.filter((f) => f.at > cut.stoppedAt + 200 && f.at < cut.stoppedAt + 450);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((f) => !f.speaking && f.jawOpen < 0.05)).toBe(true);

    // Where the first answer's audio really started, against where the player scheduled it.
    const first = tap.scheduled[0]!;
    const rendered = tap.loud.map(([loud]) => loud / tap.sampleRate).find((s) => s >= first.at - 0.05);
    const renderErrorMs = ((rendered ?? Number.NaN) - first.at) * 1000;
    expect(Math.abs(renderErrorMs)).toBeLessThan(5);
    const offsets = await page.evaluate(() => {
      const s = (window as unknown as { avatarDemo: { session: import('../src').AvatarSession } }).avatarDemo
        .session;
      return {
        p95: s.sync.percentile(95),
        p50: s.sync.percentile(50),
        mean: s.sync.mean,
        count: s.sync.count,
      };
    });
    expect(offsets.p95).toBeLessThanOrEqual(20);
    Object.assign(figures, {
      'face frame vs audio heard, p50 / p95 (ms)': `${offsets.p50?.toFixed(1)} / ${offsets.p95?.toFixed(1)} over ${offsets.count} animation frames`,
      'mean offset (ms, + = face ahead)': offsets.mean?.toFixed(1),
      'first audio rendered vs scheduled (ms)': renderErrorMs.toFixed(2),
      'barge-in → last audible sample rendered (ms)': silenceMs.toFixed(1),
      'output latency the browser reports (ms)': (outputLatency * 1000).toFixed(1),
      // With a client that reports playback, the server sends Interrupted once it has the count: after the silence.
      'Interrupted event arrived after playback stopped (ms)': (
        (interruptedAt[0] ?? Number.NaN) - cut.stoppedAt
      ).toFixed(1),
      'played when cut (client) = Interrupted.playedMs (ms)': cut.playedMs.toFixed(1),
    });
  });

  it('resumes after its connections are cut, and goes on answering', async () => {
    const seen = () =>
      page.evaluate(() => {
        const d = (window as unknown as { avatarDemo: { events: { seq: number; __typename: string }[] } })
          .avatarDemo;
        return d.events.map((e) => [e.seq, e.__typename] as const);
      });
    // The barge-in utterance is answered first.
    await expect
      .poll(async () => (await seen()).filter(([, type]) => type === 'ResponseDone').length, {
        timeout: 30_000,
      })
      .toBeGreaterThanOrEqual(1);
    proxy.dropAll();
    await expect
      .poll(() =>
        page.evaluate(() => (window as unknown as { avatarDemo: { states: string[] } }).avatarDemo.states),
      )
      .toContain('reconnecting');
    await page.locator('input[name="text"]').fill('What time is it?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(() => page.locator('[data-testid="avatar-said"]').last().textContent(), { timeout: 30_000 })
      .toMatch(/It is/);
    expect(
      await page.evaluate(() =>
        (window as unknown as { avatarDemo: { states: string[] } }).avatarDemo.states.at(-1),
      ),
    ).toBe('live');
    const seqs = (await seen()).map(([seq]) => seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('shows a clear state when the microphone is refused', async () => {
    const denied = await browser.newContext({ permissions: [] });
    try {
      const other = await denied.newPage();
      await signInAndStart(other, `${proxy.url}/demo/`, personaName);
      await other.getByRole('button', { name: 'Talk' }).click();
      await expect.poll(() => statusOf(other)).toContain('Microphone blocked');
      expect(await other.locator('#status').getAttribute('data-kind')).toBe('error');
      expect(await other.getByRole('button', { name: 'Talk' }).getAttribute('aria-pressed')).toBe('false');
    } finally {
      await denied.close();
    }
  });

  it.each([
    [8000, 8000],
    [44_100, 16_000],
    [96_000, 16_000],
  ])('transcribes a microphone delivering %i Hz (sent at %i Hz)', async (deviceRate, sentRate) => {
    const rates = await browser.newContext({ permissions: ['microphone'] });
    try {
      const other = await rates.newPage();
      await signInAndStart(other, `${proxy.url}/demo/?micRate=${deviceRate}`, personaName);
      await other.getByRole('button', { name: 'Talk' }).click();
      await expect
        .poll(() => statusOf(other))
        .toContain(`${deviceRate / 1000} kHz microphone, sent at ${sentRate / 1000} kHz`);
      await expect
        .poll(() => other.locator('[data-testid="user-said"]').first().textContent(), { timeout: 30_000 })
        .toMatch(/name/i);
    } finally {
      await rates.close();
    }
  });
});
