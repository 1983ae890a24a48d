/**
 * Drives any glTF mesh with ARKit-named morph targets (Ready Player Me, TalkingHead-compatible avatars, ...) from
 * the face's 52 weights. Typed structurally, so it needs no particular three.js version: pass a loaded scene.
 *
 *   session.startPlayback({ onFace: bindMorphTargets(gltf.scene) });
 */
import { ARKIT_BLENDSHAPES, type FaceListener, type FaceWeights } from './face-scheduler';

interface MorphMesh {
  morphTargetDictionary?: Record<string, number>;
  morphTargetInfluences?: number[];
}

interface Object3DLike {
  traverse(visit: (object: unknown) => void): void;
}

export interface MorphBinding extends FaceListener {
  /** Meshes with at least one ARKit morph target. */
  readonly meshes: number;
  /** The ARKit names found on the model (others are left alone). */
  readonly matched: ReadonlySet<string>;
}

/** `rename` maps an ARKit name to the model's own target name when they differ. */
export function bindMorphTargets(
  root: Object3DLike,
  rename: (arkit: string) => string = (n) => n,
): MorphBinding {
  const targets: { influences: number[]; index: number; arkit: keyof FaceWeights }[] = [];
  const matched = new Set<string>();
  const lower = (s: string) => s.toLowerCase();
  let meshes = 0;
  root.traverse((object) => {
    const mesh = object as MorphMesh;
    if (!mesh.morphTargetDictionary || !mesh.morphTargetInfluences) return;
    const byName = new Map(Object.entries(mesh.morphTargetDictionary).map(([name, i]) => [lower(name), i]));
    let found = false;
    for (const arkit of ARKIT_BLENDSHAPES) {
      const index = byName.get(lower(rename(arkit)));
      if (index === undefined) continue;
      targets.push({ influences: mesh.morphTargetInfluences, index, arkit });
      matched.add(arkit);
      found = true;
    }
    if (found) meshes++;
  });
  const listener = (weights: FaceWeights) => {
    for (const target of targets) target.influences[target.index] = weights[target.arkit];
  };
  return Object.assign(listener, { meshes, matched });
}
