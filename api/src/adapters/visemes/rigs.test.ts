import { describe, expect, it } from 'vitest';
import { ARKIT_BLENDSHAPES } from '../../domain/arkit';
import { VISEME_PROFILE } from './profile';
import { resolveRig, rigMetadata } from './rigs';

describe('rig profiles', () => {
  it('map every canonical phoneme for each rig', () => {
    for (const id of ['oculus', 'azure', 'arkit']) {
      const { rig, warnings } = resolveRig(id);
      expect(warnings).toEqual([]);
      for (const phoneme of VISEME_PROFILE.canonicalPhonemes) {
        if (rig.kind === 'viseme') expect(rig.visemes).toContain(rig.map[phoneme]);
        else expect(rig.weights[phoneme]).toBeDefined();
      }
    }
  });

  it('ship the 15 Oculus visemes and the 22 Azure viseme ids', () => {
    const oculus = resolveRig('oculus').rig;
    const azure = resolveRig('azure').rig;
    expect(oculus.kind === 'viseme' && oculus.visemes).toEqual([
      'sil',
      'PP',
      'FF',
      'TH',
      'DD',
      'kk',
      'CH',
      'SS',
      'nn',
      'RR',
      'aa',
      'E',
      'I',
      'O',
      'U',
    ]);
    expect(azure.kind === 'viseme' && azure.visemes).toEqual(Array.from({ length: 22 }, (_, i) => String(i)));
    expect(azure.kind === 'viseme' && [azure.map.p, azure.map.sil, azure.map.f]).toEqual(['21', '0', '18']);
  });

  it('apply a persona override and leave the shared profile untouched', () => {
    const { rig, warnings } = resolveRig('oculus', { th: 'DD' });
    expect(warnings).toEqual([]);
    expect(rig.kind === 'viseme' && rig.map.th).toBe('DD');
    expect(VISEME_PROFILE.rigs.oculus.map.th).toBe('TH');
  });

  it('let an ARKit persona borrow another phoneme shape or name one blendshape', () => {
    const { rig } = resolveRig('arkit', { th: 't', r: 'mouthPucker' });
    expect(rig.kind === 'blendshape' && rig.weights.th).toEqual(VISEME_PROFILE.rigs.arkit.weights.t);
    expect(rig.kind === 'blendshape' && rig.weights.r).toEqual({ mouthPucker: 1 });
  });

  it('skip bad overrides and unknown rigs with warnings instead of throwing', () => {
    const { rig, warnings } = resolveRig('unreal', { zz: 'PP', p: 'nope', m: 3 });
    expect(rig.id).toBe('arkit');
    expect(warnings).toHaveLength(4);
    expect(resolveRig('oculus', 'not an object').warnings).toHaveLength(1);
    expect(resolveRig('oculus', null).warnings).toHaveLength(1);
  });

  it('describe the rig to clients as plain JSON', () => {
    const metadata = rigMetadata(resolveRig('azure', { th: '17' }).rig);
    const roundTripped = JSON.parse(JSON.stringify(metadata));
    expect(roundTripped.rig).toBe('azure');
    expect(roundTripped.targets).toHaveLength(22);
    expect(roundTripped.phonemeMap.th).toBe('17');
    expect(roundTripped.blendshapeOrder).toEqual([...ARKIT_BLENDSHAPES]);
    expect(roundTripped.coarticulation.attackMs).toBe(VISEME_PROFILE.coarticulation.attackMs);
  });
});
