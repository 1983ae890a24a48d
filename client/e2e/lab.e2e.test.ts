/**
 * The client's face drivers and scheduling in real Chromium, without a server: a three.js glTF avatar driven by
 * the face frames, and a five-minute answer stream measuring A/V drift. Prints the figures the README quotes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../api/test-support/chromium';
import type { Lab } from './lab/lab';

const DRIFT_SECONDS = Number(process.env.CLIENT_DRIFT_SECONDS ?? 300);
// A localhost origin is a secure context (AudioWorklet needs one); the page is served from the build by routing.
const ORIGIN = 'http://localhost:9';

declare global {
  interface Window {
    lab: Lab;
  }
}

describe('the client package in Chromium (no server)', () => {
  let browser: Browser;
  let page: Page;
  let dist: string;

  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'client-lab-'));
    await build({
      root: path.join(import.meta.dirname, 'lab'),
      base: '/',
      logLevel: 'error',
      build: { outDir: dist, emptyOutDir: true, chunkSizeWarningLimit: 4000 },
    });
    // SwiftShader: WebGL on the CPU, as on a machine without a GPU.
    browser = await launchChromium(['--enable-unsafe-swiftshader', '--use-angle=swiftshader']);
    page = await browser.newPage();
    await page.route(`${ORIGIN}/**`, async (route) => {
      const file = new URL(route.request().url()).pathname.replace(/^\/$/, '/index.html');
      const body = await readFile(path.join(dist, file)).catch(() => null);
      if (!body) return route.fulfill({ status: 404 });
      const type = file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.html')
          ? 'text/html'
          : 'application/octet-stream';
      return route.fulfill({ body, contentType: type });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => 'lab' in window);
  });

  afterAll(async () => {
    await browser?.close();
    if (dist) await rm(dist, { recursive: true, force: true });
  });

  it('drives a generated glTF avatar: its ARKit morph targets follow the frames, and the picture changes', async () => {
    const result = await page.evaluate(async () => {
      const { THREE, GLTFExporter, GLTFLoader, bindMorphTargets, FaceScheduler, ARKIT_BLENDSHAPES } =
        window.lab;
      // A head-sized plane whose jaw target moves its lower vertices down, and a blink target that moves the top.
      const geometry = new THREE.PlaneGeometry(2, 2, 4, 4);
      const base = geometry.attributes.position!;
      const target = (name: string, move: (y: number) => number) => {
        const attr = new THREE.Float32BufferAttribute(base.count * 3, 3);
        for (let i = 0; i < base.count; i++) attr.setXYZ(i, 0, move(base.getY(i)), 0);
        attr.name = name;
        return attr;
      };
      geometry.morphAttributes.position = [
        target('jawOpen', (y) => (y < 0 ? -0.8 : 0)),
        target('eyeBlinkLeft', (y) => (y > 0.5 ? -0.3 : 0)),
        target('notAnArkitName', () => 0.1),
      ];
      const source = new THREE.Mesh(geometry, new THREE.MeshBasicMaterial({ color: 0xff0000 }));
      source.updateMorphTargets();
      const gltf = await new GLTFExporter().parseAsync(new THREE.Scene().add(source), { binary: false });
      const loaded = await new GLTFLoader().parseAsync(JSON.stringify(gltf), '');
      const binding = bindMorphTargets(loaded.scene);
      let mesh: import('three').Mesh | undefined;
      loaded.scene.traverse((o) => {
        if ((o as import('three').Mesh).morphTargetInfluences) mesh = o as import('three').Mesh;
      });
      const canvas = document.getElementById('canvas') as HTMLCanvasElement;
      const renderer = new THREE.WebGLRenderer({ canvas, preserveDrawingBuffer: true });
      const camera = new THREE.OrthographicCamera(-1.5, 1.5, 1.5, -1.5, 0.1, 10);
      camera.position.z = 2;
      const redPixels = () => {
        renderer.render(loaded.scene, camera);
        const gl = renderer.getContext();
        const pixels = new Uint8Array(160 * 160 * 4);
        gl.readPixels(0, 0, 160, 160, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
        let red = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! > 200 && pixels[i + 1]! < 50) red++;
        return red;
      };
      // Frames on a clock we move by hand: each animation frame shows the frame of the audio heard then.
      let heard = 0;
      const face = new FaceScheduler({ heardAt: () => heard });
      face.onFrame(binding);
      const jaw = [0, 0.25, 0.5, 1, 0.5, 0];
      face.add(
        jaw.map((value, i) => ({
          start: i / 30,
          end: (i + 1) / 30,
          weights: ARKIT_BLENDSHAPES.map((name) =>
            name === 'jawOpen' ? value : name === 'eyeBlinkLeft' ? 0.5 : 0,
          ),
        })),
        0,
      );
      const jawIndex = mesh!.morphTargetDictionary!.jawOpen!;
      const followed: number[] = [];
      const red: number[] = [];
      for (let i = 0; i < jaw.length; i++) {
        heard = (i + 0.5) / 30;
        face.tick(0);
        red.push(redPixels());
        followed.push(mesh!.morphTargetInfluences![jawIndex]!);
      }
      return {
        meshes: binding.meshes,
        matched: [...binding.matched],
        followed,
        blink: mesh!.morphTargetInfluences![mesh!.morphTargetDictionary!.eyeBlinkLeft!],
        other: mesh!.morphTargetInfluences![mesh!.morphTargetDictionary!.notAnArkitName!],
        red,
      };
    });
    expect(result.meshes).toBe(1);
    expect(result.matched.sort()).toEqual(['eyeBlinkLeft', 'jawOpen']);
    expect(result.followed).toEqual([0, 0.25, 0.5, 1, 0.5, 0]);
    expect(result.blink).toBe(0.5);
    expect(result.other).toBe(0);
    // The picture follows the jaw: the same frame twice draws the same, an open jaw draws differently.
    expect(result.red[5]).toBe(result.red[0]);
    expect(result.red[3]).not.toBe(result.red[0]);
  });

  it(
    `keeps face and voice together over a ${DRIFT_SECONDS} s answer stream (drift)`,
    async () => {
      const figures = await page.evaluate(async (seconds) => {
        const { SpeechPlayer, FaceScheduler, audioClock, ARKIT_BLENDSHAPES } = window.lab;
        const ctx = new AudioContext();
        await ctx.resume();
        const player = new SpeechPlayer(ctx);
        const clock = audioClock(ctx);
        const face = new FaceScheduler(clock);
        // The player's output, tapped: when each tone burst really came out.
        const tapSource = `class T extends AudioWorkletProcessor { process(i) { const c = i[0] && i[0][0];
          if (c) for (let k = 0; k < c.length; k++) if (Math.abs(c[k]) > 0.1) { this.port.postMessage(currentFrame + k); break; }
          return true; } } registerProcessor('onset-tap', T);`;
        await ctx.audioWorklet.addModule(
          URL.createObjectURL(new Blob([tapSource], { type: 'text/javascript' })),
        );
        const tap = new AudioWorkletNode(ctx, 'onset-tap');
        const mute = ctx.createGain();
        mute.gain.value = 0;
        tap.connect(mute).connect(ctx.destination);
        player.output.connect(tap);
        const loud: number[] = [];
        tap.port.onmessage = (e: MessageEvent<number>) => loud.push(e.data / ctx.sampleRate);
        const offsets: [number, number][] = [];
        face.onFrame((_w, info) => {
          if (info.offsetMs !== null) offsets.push([ctx.currentTime, info.offsetMs]);
        });
        // How far the face's clock (the instant being heard) sits behind the context's: constant unless it drifts.
        const faceLag: [number, number][] = [];
        const animate = (now: number) => {
          face.tick(now);
          faceLag.push([ctx.currentTime, (ctx.currentTime - clock.heardAt(performance.now())) * 1000]);
          requestAnimationFrame(animate);
        };
        requestAnimationFrame(animate);

        // A long answer as the server sends it: 240 ms chunks at 24 kHz, 30 fps frames, delivered with jitter.
        const rate = 24_000;
        const chunkSamples = 5760;
        const burstAt = 2400;
        const scheduled: number[] = [];
        const chunks = Math.floor((seconds * 1000) / 240);
        const started = performance.now();
        for (let k = 0; k < chunks; k++) {
          const due = started + k * 240 + Math.random() * 60;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
          const samples = new Float32Array(chunkSamples);
          for (let i = burstAt; i < burstAt + 1200; i++)
            samples[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate);
          player.enqueue({ responseId: 'long', startMs: k * 240, sampleRate: rate, samples });
          const origin = player.timeOf('long', 0)!;
          scheduled.push(origin + (k * chunkSamples + burstAt) / rate);
          const frames = [];
          // 800 samples per 30 fps frame: the frames starting inside this chunk.
          for (
            let index = Math.ceil((k * chunkSamples) / 800);
            index * 800 < (k + 1) * chunkSamples;
            index++
          ) {
            frames.push({
              start: origin + (index * 800) / rate,
              end: origin + ((index + 1) * 800) / rate,
              weights: ARKIT_BLENDSHAPES.map((n) => (n === 'jawOpen' ? (index % 2) * 0.5 : 0)),
            });
          }
          face.add(frames, audioClock(ctx).heardAt(performance.now()));
        }
        // Until the last burst has been rendered: under load the audio thread can trail the wall clock.
        const lastOnset = scheduled.at(-1)! + 0.3;
        for (let waited = 0; ctx.currentTime < lastOnset && waited < 10_000; waited += 100)
          await new Promise((resolve) => setTimeout(resolve, 100));
        // Each burst's rendered onset against where the player scheduled it (matched to the nearest onset).
        const errors = scheduled.map((at) => {
          const found = loud.find((t) => t >= at - 0.05);
          return found === undefined ? Number.NaN : (found - at) * 1000;
        });
        const window10 = (list: [number, number][], from: number, to: number) =>
          list.filter(([t]) => t >= from && t < to).map(([, v]) => v);
        const p95 = (values: number[]) => {
          const sorted = values.map(Math.abs).sort((a, b) => a - b);
          return sorted[Math.floor(0.95 * (sorted.length - 1))] ?? Number.NaN;
        };
        const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
        // Drift as the least-squares trend over the whole stream (ms gained from start to end). The shown frame's
        // offset is no drift measure: its mean over a window swings by up to ±8 ms with the phase of the animation
        // frames against the 33 ms face frames, a phase that turns whenever their interval is not exactly half a frame.
        const trend = (points: [number, number][]) => {
          const mt = mean(points.map(([t]) => t));
          const mv = mean(points.map(([, v]) => v));
          let num = 0;
          let den = 0;
          for (const [t, v] of points) {
            num += (t - mt) * (v - mv);
            den += (t - mt) ** 2;
          }
          const span = (points.at(-1)?.[0] ?? 0) - (points[0]?.[0] ?? 0);
          return den > 0 ? (num / den) * span : Number.NaN;
        };
        const onsetPoints = scheduled
          .map((at, k): [number, number] => [at, errors[k]!])
          .filter(([, error]) => !Number.isNaN(error));
        const t0 = offsets[0]?.[0] ?? 0;
        const tEnd = offsets.at(-1)?.[0] ?? 0;
        const firstFace = window10(offsets, t0, t0 + 10);
        const lastFace = window10(offsets, tEnd - 10, tEnd + 1);
        const perChunk = Math.round(10_000 / 240);
        return {
          chunks,
          renderErrorFirstMs: mean(errors.slice(0, perChunk)),
          renderErrorLastMs: mean(errors.slice(-perChunk)),
          missingOnsets: errors.filter(Number.isNaN).length,
          faceP95FirstMs: p95(firstFace),
          faceP95LastMs: p95(lastFace),
          faceP95AllMs: p95(offsets.map(([, v]) => v)),
          audioDriftMs: trend(onsetPoints),
          faceDriftMs: trend(faceLag),
          animationFrames: offsets.length,
          underruns: player.underruns,
          skippedFrames: face.skipped,
        };
      }, DRIFT_SECONDS);
      console.log(`\nA/V over a ${DRIFT_SECONDS} s answer stream in Chromium:`, figures);
      expect(figures.missingOnsets).toBe(0);
      expect(Math.abs(figures.audioDriftMs)).toBeLessThanOrEqual(10);
      expect(Math.abs(figures.faceDriftMs)).toBeLessThanOrEqual(10);
      expect(figures.faceP95AllMs).toBeLessThanOrEqual(20);
    },
    (DRIFT_SECONDS + 120) * 1000,
  );
});
