import { ARKIT_BLENDSHAPES, isArkitBlendshape } from '../../domain/arkit';
import { AVATAR_RIGS } from '../../domain/persona';
import { VISEME_PROFILE, type VisemeProfile } from './profile';

export type RigId = (typeof AVATAR_RIGS)[number];

/** A rig driven by discrete visemes (Oculus/Meta 15, Azure 0-21): each canonical phoneme names one viseme. */
export interface VisemeRig {
  id: RigId;
  kind: 'viseme';
  visemes: readonly string[];
  map: Readonly<Record<string, string>>;
}

/** A rig driven by ARKit-52 blendshapes: each canonical phoneme is a set of blendshape weights. */
export interface BlendshapeRig {
  id: RigId;
  kind: 'blendshape';
  blendshapes: readonly string[];
  weights: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export type Rig = VisemeRig | BlendshapeRig;

export function isRigId(id: string): id is RigId {
  return (AVATAR_RIGS as readonly string[]).includes(id);
}

/**
 * The rig for a persona: its profile plus the persona's `{ canonicalPhoneme: viseme }` overrides. For the ARKit
 * rig an override value is another canonical phoneme (borrow its shape) or one blendshape name (at weight 1).
 * Never throws: an unknown rig falls back to ARKit and bad overrides are skipped, each with a warning.
 */
export function resolveRig(
  rigId: string,
  overrides: unknown = {},
  profile: VisemeProfile = VISEME_PROFILE,
): { rig: Rig; warnings: string[] } {
  const warnings: string[] = [];
  const id: RigId = isRigId(rigId) ? rigId : 'arkit';
  if (id !== rigId) warnings.push(`unknown avatar rig "${rigId}", using "arkit"`);
  const base = profile.rigs[id];
  const rig: Rig =
    base.kind === 'viseme'
      ? { id, kind: 'viseme', visemes: base.visemes, map: { ...base.map } }
      : { id, kind: 'blendshape', blendshapes: ARKIT_BLENDSHAPES, weights: { ...base.weights } };
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    warnings.push('viseme overrides must be a JSON object of { canonicalPhoneme: viseme }; ignored');
    return { rig, warnings };
  }
  const canonical = new Set(profile.canonicalPhonemes);
  for (const [phoneme, value] of Object.entries(overrides)) {
    if (!canonical.has(phoneme)) {
      warnings.push(`viseme override for unknown phoneme "${phoneme}" ignored`);
    } else if (typeof value !== 'string') {
      warnings.push(`viseme override for "${phoneme}" must be a string; ignored`);
    } else if (rig.kind === 'viseme') {
      if (rig.visemes.includes(value)) (rig.map as Record<string, string>)[phoneme] = value;
      else warnings.push(`viseme override "${phoneme}" -> "${value}": not a ${id} viseme; ignored`);
    } else if (canonical.has(value)) {
      (rig.weights as Record<string, Readonly<Record<string, number>>>)[phoneme] =
        profile.rigs.arkit.weights[value] ?? {};
    } else if (isArkitBlendshape(value)) {
      (rig.weights as Record<string, Readonly<Record<string, number>>>)[phoneme] = { [value]: 1 };
    } else {
      warnings.push(
        `viseme override "${phoneme}" -> "${value}": neither a phoneme nor an ARKit blendshape; ignored`,
      );
    }
  }
  return { rig, warnings };
}

/** What a client needs to drive its rig from VisemeCues: plain JSON for the session's metadata. */
export interface RigMetadata {
  rig: RigId;
  kind: Rig['kind'];
  /** Names VisemeCue.viseme can take. */
  targets: readonly string[];
  /** canonical phoneme -> viseme name (viseme rigs) or blendshape weights (ARKit rig). */
  phonemeMap: Readonly<Record<string, string | Readonly<Record<string, number>>>>;
  canonicalPhonemes: readonly string[];
  fps: number;
  coarticulation: VisemeProfile['coarticulation'];
  blendshapeOrder: readonly string[];
}

export function rigMetadata(rig: Rig, profile: VisemeProfile = VISEME_PROFILE): RigMetadata {
  return {
    rig: rig.id,
    kind: rig.kind,
    targets: rig.kind === 'viseme' ? rig.visemes : rig.blendshapes,
    phonemeMap: rig.kind === 'viseme' ? rig.map : rig.weights,
    canonicalPhonemes: profile.canonicalPhonemes,
    fps: profile.fps,
    coarticulation: profile.coarticulation,
    blendshapeOrder: ARKIT_BLENDSHAPES,
  };
}
