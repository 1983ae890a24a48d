// espeak-worker: speaks text with libespeak-ng and reports its audio and phoneme/word events.
// Copyright (C) 2026 the avatar-platform authors
//
// This program is free software: you can redistribute it and/or modify it under the terms of the GNU
// General Public License as published by the Free Software Foundation, either version 3 of the License,
// or (at your option) any later version.
//
// This program is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without even
// the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
// License for more details. You should have received a copy of the GNU General Public License along with
// this program. If not, see <https://www.gnu.org/licenses/>.
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// It links libespeak-ng (GPL-3.0) and therefore runs as its own program; the Apache-2.0 platform talks to
// it only over stdin/stdout (see README.md in this folder for the protocol).
//
// Protocol, one JSON object per line in each direction:
//   in:  {"id":1,"text":"Hello.","voice":"en-us","rate":175,"pitch":50}
//   out: {"type":"ready","sampleRate":22050}                           once, after initialisation
//        {"id":1,"type":"audio","pcm":"<base64 PCM16 LE>","events":[…]}  zero or more per request
//        {"id":1,"type":"done","samples":38389}                           or
//        {"id":1,"type":"error","message":"…"}
//   events: {"type":"phoneme","name":"h","ms":11} and {"type":"word","ms":0,"textPosition":1,"length":5}
//   (`ms` from the start of the request's audio, `textPosition` 1-based in characters).

import { createInterface } from 'node:readline';
import koffi from 'koffi';

const AUDIO_OUTPUT_SYNCHRONOUS = 2; // 1 (retrieval) calls back on another thread and hangs Node
const INITIALIZE_PHONEME_EVENTS = 1;
const BUFFER_MS = 200;
const POS_CHARACTER = 1;
const CHARS_UTF8 = 1;
const PARAM_RATE = 1;
const PARAM_PITCH = 3;
const EVENT_LIST_TERMINATED = 0;
const EVENT_WORD = 1;
const EVENT_PHONEME = 7;
// sizeof(espeak_EVENT) on LP64: 6 ints, a pointer and an 8-byte union.
const EVENT_SIZE = 40;
const EVENT_TEXT_POSITION = 8;
const EVENT_LENGTH = 12;
const EVENT_AUDIO_POSITION = 16;
const EVENT_ID = 32;

const lib = koffi.load(process.env.ESPEAK_NG_LIBRARY || 'libespeak-ng.so.1');
const SynthCallback = koffi.proto('int SynthCallback(void *wav, int numsamples, void *events)');
const espeakInitialize = lib.func(
  'int espeak_Initialize(int output, int buflength, const char *path, int options)',
);
const espeakSetSynthCallback = lib.func('void espeak_SetSynthCallback(SynthCallback *callback)');
const espeakSetVoiceByName = lib.func('int espeak_SetVoiceByName(const char *name)');
const espeakSetParameter = lib.func('int espeak_SetParameter(int parameter, int value, int relative)');
const espeakSynth = lib.func(
  'int espeak_Synth(const char *text, size_t size, unsigned int position, int positionType, unsigned int endPosition, unsigned int flags, void *uniqueId, void *userData)',
);

const sampleRate = espeakInitialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, null, INITIALIZE_PHONEME_EVENTS);
if (sampleRate <= 0) {
  process.stderr.write(`espeak_Initialize failed (${sampleRate})\n`);
  process.exit(1);
}

let current = null; // { id, samples }

function send(message) {
  // Writes to a pipe are synchronous on Linux, so audio leaves while the synthesis is still running.
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function readEvents(pointer) {
  const events = [];
  for (let offset = 0; ; offset += EVENT_SIZE) {
    const type = koffi.decode(pointer, offset, 'int');
    if (type === EVENT_LIST_TERMINATED) return events;
    const ms = koffi.decode(pointer, offset + EVENT_AUDIO_POSITION, 'int');
    if (type === EVENT_PHONEME) {
      events.push({ type: 'phoneme', name: koffi.decode(pointer, offset + EVENT_ID, 'char', 8), ms });
    } else if (type === EVENT_WORD) {
      const textPosition = koffi.decode(pointer, offset + EVENT_TEXT_POSITION, 'int');
      const length = koffi.decode(pointer, offset + EVENT_LENGTH, 'int');
      events.push({ type: 'word', ms, textPosition, length });
    }
  }
}

const onSynth = koffi.register((wav, numSamples, eventsPointer) => {
  const events = eventsPointer ? readEvents(eventsPointer) : [];
  const pcm = numSamples > 0 && wav ? Buffer.from(koffi.view(wav, numSamples * 2)).toString('base64') : '';
  if (pcm || events.length > 0) send({ id: current.id, type: 'audio', pcm, events });
  current.samples += Math.max(0, numSamples);
  return 0;
}, koffi.pointer(SynthCallback));
espeakSetSynthCallback(onSynth);

let voice = null;

function speak(request) {
  if (request.voice !== voice) {
    if (espeakSetVoiceByName(request.voice) !== 0)
      throw new Error(`unknown espeak-ng voice "${request.voice}"`);
    voice = request.voice;
  }
  espeakSetParameter(PARAM_RATE, request.rate, 0);
  espeakSetParameter(PARAM_PITCH, request.pitch, 0);
  const text = Buffer.from(`${request.text}\0`, 'utf8');
  current = { id: request.id, samples: 0 };
  const status = espeakSynth(text, text.length, 0, POS_CHARACTER, 0, CHARS_UTF8, null, null);
  if (status !== 0) throw new Error(`espeak_Synth failed (${status})`);
  return current.samples;
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
    send({ id: request.id, type: 'done', samples: speak(request) });
  } catch (err) {
    send({
      id: request?.id ?? null,
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
    });
  }
});
// The parent going away closes stdin: exit rather than linger as an orphan.
lines.on('close', () => process.exit(0));

send({ type: 'ready', sampleRate });
