/** The 52 ARKit face blendshapes in Apple's documented order; `BlendshapeFrame.weights[i]` is `ARKIT_BLENDSHAPES[i]`. */
export const ARKIT_BLENDSHAPES = [
  'eyeBlinkLeft',
  'eyeLookDownLeft',
  'eyeLookInLeft',
  'eyeLookOutLeft',
  'eyeLookUpLeft',
  'eyeSquintLeft',
  'eyeWideLeft',
  'eyeBlinkRight',
  'eyeLookDownRight',
  'eyeLookInRight',
  'eyeLookOutRight',
  'eyeLookUpRight',
  'eyeSquintRight',
  'eyeWideRight',
  'jawForward',
  'jawLeft',
  'jawRight',
  'jawOpen',
  'mouthClose',
  'mouthFunnel',
  'mouthPucker',
  'mouthLeft',
  'mouthRight',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthFrownLeft',
  'mouthFrownRight',
  'mouthDimpleLeft',
  'mouthDimpleRight',
  'mouthStretchLeft',
  'mouthStretchRight',
  'mouthRollLower',
  'mouthRollUpper',
  'mouthShrugLower',
  'mouthShrugUpper',
  'mouthPressLeft',
  'mouthPressRight',
  'mouthLowerDownLeft',
  'mouthLowerDownRight',
  'mouthUpperUpLeft',
  'mouthUpperUpRight',
  'browDownLeft',
  'browDownRight',
  'browInnerUp',
  'browOuterUpLeft',
  'browOuterUpRight',
  'cheekPuff',
  'cheekSquintLeft',
  'cheekSquintRight',
  'noseSneerLeft',
  'noseSneerRight',
  'tongueOut',
] as const;

export type ArkitBlendshape = (typeof ARKIT_BLENDSHAPES)[number];

export const ARKIT_INDEX: ReadonlyMap<string, number> = new Map(
  ARKIT_BLENDSHAPES.map((name, i) => [name, i]),
);

export function isArkitBlendshape(name: string): name is ArkitBlendshape {
  return ARKIT_INDEX.has(name);
}

/** All-zero weights: the neutral face. */
export function neutralWeights(): number[] {
  return new Array<number>(ARKIT_BLENDSHAPES.length).fill(0);
}

/** BlendshapeFrames are always 30 fps. */
export const BLENDSHAPE_FPS = 30;

/** Audio sample range [start, end) of 30 fps frame `index` at `sampleRate` (rounded, so frames tile the audio). */
export function frameSampleRange(
  index: number,
  sampleRate: number,
): { sampleStart: number; sampleEnd: number } {
  return {
    sampleStart: Math.round((index * sampleRate) / BLENDSHAPE_FPS),
    sampleEnd: Math.round(((index + 1) * sampleRate) / BLENDSHAPE_FPS),
  };
}

/** Number of 30 fps frames needed to cover `sampleCount` samples. */
export function frameCountFor(sampleCount: number, sampleRate: number): number {
  return Math.ceil((sampleCount * BLENDSHAPE_FPS) / sampleRate - 1e-9);
}
