/**
 * A simple 2D face (SVG) driven by ARKit weights: jaw, lip closure, funnel, smile, blinks and brows. The shape is
 * computed once here for the browser package and the admin console's replay.
 */
import type { FaceListener, FaceWeights } from './face-scheduler';

export interface FaceShape {
  mouthWidth: number;
  mouthHeight: number;
  smile: number;
  blinkLeft: number;
  blinkRight: number;
  /** Brow lift in view units (negative: frown). */
  brow: number;
}

/** The face's geometry (in a 120 × 140 view box) for a set of weights; missing weights count as 0. */
export function faceShape(weights: Partial<FaceWeights>): FaceShape {
  const w = (name: keyof FaceWeights) => Math.max(0, Math.min(1, weights[name] ?? 0));
  const jaw = w('jawOpen');
  const close = w('mouthClose');
  const funnel = Math.max(w('mouthFunnel'), w('mouthPucker'));
  const smile = (w('mouthSmileLeft') + w('mouthSmileRight')) / 2;
  const stretch = (w('mouthStretchLeft') + w('mouthStretchRight')) / 2;
  const lipsIn = Math.max(
    w('mouthPressLeft'),
    w('mouthPressRight'),
    w('mouthRollLower'),
    w('mouthRollUpper'),
  );
  const lowerDown = (w('mouthLowerDownLeft') + w('mouthLowerDownRight')) / 2;
  const open = Math.max(0, jaw + 0.3 * lowerDown - close * 0.8 - lipsIn * 0.6);
  return {
    mouthWidth: 34 * (1 - 0.45 * funnel) + 10 * smile + 8 * stretch,
    mouthHeight: 2 + 28 * open + 6 * funnel,
    smile,
    blinkLeft: w('eyeBlinkLeft'),
    blinkRight: w('eyeBlinkRight'),
    brow: w('browInnerUp') * 6 - (w('browDownLeft') + w('browDownRight')) * 3,
  };
}

const SVG = 'http://www.w3.org/2000/svg';

/** Draws the face into `container` (browser) and returns the listener that animates it. */
export function createFace2D(container: Element, size = 180): FaceListener {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 120 140');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String((size * 140) / 120));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Avatar face');
  const add = (tag: string, attrs: Record<string, string>) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.appendChild(el);
    return el;
  };
  add('ellipse', {
    cx: '60',
    cy: '72',
    rx: '48',
    ry: '60',
    fill: '#f3d2b3',
    stroke: '#8a6a50',
    'stroke-width': '1.5',
  });
  const browStyle = { stroke: '#5a4030', 'stroke-width': '2.5', fill: 'none' };
  const browLeft = add('path', browStyle);
  const browRight = add('path', browStyle);
  const eyeLeft = add('ellipse', { cx: '40', cy: '56', rx: '7', fill: '#2b2b2b' });
  const eyeRight = add('ellipse', { cx: '80', cy: '56', rx: '7', fill: '#2b2b2b' });
  add('path', { d: 'M60 62 l-5 18 h10', stroke: '#8a6a50', 'stroke-width': '1.5', fill: 'none' });
  const lip = add('path', { stroke: '#8a3b3b', 'stroke-width': '2', fill: 'none' });
  const mouth = add('ellipse', { cx: '60', fill: '#5b1f25', stroke: '#8a3b3b', 'stroke-width': '2' });
  mouth.setAttribute('data-testid', 'face-mouth');
  container.appendChild(svg);
  return (weights) => {
    const s = faceShape(weights);
    browLeft.setAttribute('d', `M30 ${44 - s.brow} q10 -6 20 0`);
    browRight.setAttribute('d', `M70 ${44 - s.brow} q10 -6 20 0`);
    eyeLeft.setAttribute('ry', String(Math.max(0.6, 5 * (1 - s.blinkLeft))));
    eyeRight.setAttribute('ry', String(Math.max(0.6, 5 * (1 - s.blinkRight))));
    lip.setAttribute(
      'd',
      `M${60 - s.mouthWidth / 2} 100 q${s.mouthWidth / 2} ${-8 * s.smile} ${s.mouthWidth} 0`,
    );
    mouth.setAttribute('cy', String(100 + s.mouthHeight / 2 - 1));
    mouth.setAttribute('rx', String(s.mouthWidth / 2));
    mouth.setAttribute('ry', String(s.mouthHeight / 2));
  };
}
