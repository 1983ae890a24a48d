/** Named views of BlendshapeFrame weights for the replay plot and the face preview. */
import { ARKIT_BLENDSHAPES, ARKIT_INDEX, type ArkitBlendshape } from '../../../api/src/domain/arkit';

// One list of the 52 names for server and console: the API's domain module is pure and bundles as is.
export { ARKIT_BLENDSHAPES, ARKIT_INDEX, type ArkitBlendshape };

/** The curves people look at first when judging lip-sync. */
export const DEFAULT_CURVES: ArkitBlendshape[] = ['jawOpen', 'mouthClose', 'mouthFunnel', 'mouthSmileLeft'];

/** Weights named by blendshape, for the face preview. */
export type FaceWeights = Partial<Record<ArkitBlendshape, number>>;

export function namedWeights(weights: readonly number[]): FaceWeights {
  const named: FaceWeights = {};
  ARKIT_BLENDSHAPES.forEach((name, i) => {
    named[name] = weights[i] ?? 0;
  });
  return named;
}

/**
 * A rough face for a viseme cue when no blendshape frames exist (the "Try it" panel): how far the jaw opens and
 * the lips round or close for the common viseme families of the arkit, oculus and azure rigs.
 */
export function weightsForViseme(viseme: string, weight: number): FaceWeights {
  // The arkit rig names blendshapes directly.
  if (ARKIT_INDEX.has(viseme)) return { [viseme]: weight };
  const v = viseme.toLowerCase().replace(/^viseme_/, '');
  if (/^(pp|p|b|m|21|mouthclose)$/.test(v)) return { mouthClose: weight, jawOpen: 0.05 };
  if (/^(o|u|ou|w|7|8|mouthfunnel|mouthpucker)$/.test(v))
    return { mouthFunnel: weight, jawOpen: 0.3 * weight };
  if (/^(aa|a|2|jawopen)$/.test(v)) return { jawOpen: 0.8 * weight };
  if (/^(e|i|ih|4|6|mouthsmileleft|mouthstretchleft)$/.test(v))
    return { jawOpen: 0.35 * weight, mouthSmileLeft: 0.5 * weight, mouthSmileRight: 0.5 * weight };
  if (/^(sil|0)$/.test(v)) return {};
  return { jawOpen: 0.3 * weight };
}
