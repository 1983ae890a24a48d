/**
 * @avatar/client: talk to an avatar from a browser (or Node).
 *
 *   const client = new AvatarClient({ url });
 *   await client.signIn(username, password);
 *   const session = await client.createSession({ personaId });
 *   session.startPlayback({ onFace: createFace2D(element) });
 *   await session.startMicrophone();
 */
export {
  AvatarClient,
  type AvatarClientOptions,
  type CreateSessionOptions,
  type SignedInUser,
} from './api-client';
export { type AudioServerMessage, AudioSocket, type AudioSocketState } from './audio/audio-socket';
export { Microphone, type MicrophoneOptions, SERVER_SAMPLE_RATES } from './audio/microphone';
export {
  type PlayableChunk,
  type PlayedPosition,
  SpeechPlayer,
  type SpeechPlayerOptions,
} from './audio/player';
export { decodeSyncFrame, type SyncFrame } from './audio/sync-frame';
export { AvatarClientError, type ClientErrorCode } from './errors';
export { createFace2D, faceShape } from './face/face-2d';
export {
  ARKIT_BLENDSHAPES,
  type ArkitBlendshape,
  type AudioClock,
  audioClock,
  type FaceFrameInfo,
  type FaceListener,
  FaceScheduler,
  type FaceWeights,
} from './face/face-scheduler';
export { bindMorphTargets, type MorphBinding } from './face/three';
export {
  AvatarSession,
  type BargeIn,
  type PlaybackOptions,
  type SessionEvent,
  type SessionEventOf,
  type SessionOptions,
  type SessionState,
} from './session';
export { SyncMeter } from './sync-meter';
