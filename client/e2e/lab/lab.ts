/** A bare page for the client's browser tests: the package's pieces and three.js, on `window.lab`. */
import * as THREE from 'three';
import { GLTFExporter } from 'three/examples/jsm/exporters/GLTFExporter.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { ARKIT_BLENDSHAPES, audioClock, bindMorphTargets, FaceScheduler, SpeechPlayer } from '../../src';

const lab = {
  THREE,
  GLTFExporter,
  GLTFLoader,
  ARKIT_BLENDSHAPES,
  audioClock,
  bindMorphTargets,
  FaceScheduler,
  SpeechPlayer,
};
Object.assign(window, { lab });
export type Lab = typeof lab;
