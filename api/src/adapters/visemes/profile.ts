import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ARKIT_BLENDSHAPES } from '../../domain/arkit';

/**
 * The phoneme -> viseme/blendshape table and coarticulation settings. The wav2arkit training pipeline derives its
 * targets from the same file, so the model and the phoneme-driven rigs cannot drift apart.
 */
export const VISEME_PROFILE_PATH = fileURLToPath(
  new URL('../../../../models/wav2arkit/viseme-profile.json', import.meta.url),
);

const weightsSchema = z.record(z.string(), z.number().min(0).max(1));

const profileSchema = z.object({
  version: z.number(),
  fps: z.number().positive(),
  canonicalPhonemes: z.array(z.string()).min(1),
  arkitBlendshapes: z.array(z.string()).length(52),
  coarticulation: z.object({
    attackMs: z.number().min(0),
    releaseMs: z.number().min(0),
    fullStrengthMs: z.number().positive(),
    minStrength: z.number().min(0).max(1),
    alwaysFullStrength: z.array(z.string()),
  }),
  rigs: z.object({
    oculus: z.object({
      kind: z.literal('viseme'),
      visemes: z.array(z.string()),
      map: z.record(z.string(), z.string()),
    }),
    azure: z.object({
      kind: z.literal('viseme'),
      visemes: z.array(z.string()),
      map: z.record(z.string(), z.string()),
    }),
    arkit: z.object({
      kind: z.literal('blendshape'),
      blendshapes: z.array(z.string()),
      weights: z.record(z.string(), weightsSchema),
    }),
  }),
  phonemeAliases: z.object({
    espeak: z.record(z.string(), z.string()),
    ipa: z.record(z.string(), z.string()),
    arpabet: z.record(z.string(), z.string()),
  }),
  unknownPhoneme: z.string(),
});

export type VisemeProfile = z.infer<typeof profileSchema>;
export type CoarticulationSettings = VisemeProfile['coarticulation'];

export function loadVisemeProfile(path = VISEME_PROFILE_PATH): VisemeProfile {
  const profile = profileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  if (profile.arkitBlendshapes.some((name, i) => name !== ARKIT_BLENDSHAPES[i])) {
    throw new Error(`${path}: arkitBlendshapes must list ARKIT_BLENDSHAPES in order`);
  }
  return profile;
}

export const VISEME_PROFILE: VisemeProfile = loadVisemeProfile();
