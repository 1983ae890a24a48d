import type { FaceWeights } from './arkit';

/** A simple 2D face driven by ARKit weights: jaw, lip closure, funnel, smile, blinks and brows. */
export function Face({ weights, size = 180 }: { weights: FaceWeights; size?: number }) {
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
  const mouthWidth = 34 * (1 - 0.45 * funnel) + 10 * smile + 8 * stretch;
  const mouthHeight = 2 + 28 * open + 6 * funnel;
  const blinkL = w('eyeBlinkLeft');
  const blinkR = w('eyeBlinkRight');
  const brow = w('browInnerUp') * 6 - (w('browDownLeft') + w('browDownRight')) * 3;
  return (
    <svg
      viewBox="0 0 120 140"
      width={size}
      height={(size * 140) / 120}
      role="img"
      aria-label="Face preview"
      data-testid="face-preview"
    >
      <ellipse cx="60" cy="72" rx="48" ry="60" fill="#f3d2b3" stroke="#8a6a50" strokeWidth="1.5" />
      <path d={`M30 ${44 - brow} q10 -6 20 0`} stroke="#5a4030" strokeWidth="2.5" fill="none" />
      <path d={`M70 ${44 - brow} q10 -6 20 0`} stroke="#5a4030" strokeWidth="2.5" fill="none" />
      <ellipse cx="40" cy="56" rx="7" ry={Math.max(0.6, 5 * (1 - blinkL))} fill="#2b2b2b" />
      <ellipse cx="80" cy="56" rx="7" ry={Math.max(0.6, 5 * (1 - blinkR))} fill="#2b2b2b" />
      <path d="M60 62 l-5 18 h10" stroke="#8a6a50" strokeWidth="1.5" fill="none" />
      <path
        d={`M${60 - mouthWidth / 2} 100 q${mouthWidth / 2} ${-8 * smile} ${mouthWidth} 0`}
        stroke="#8a3b3b"
        strokeWidth="2"
        fill="none"
      />
      <ellipse
        data-testid="face-mouth"
        cx="60"
        cy={100 + mouthHeight / 2 - 1}
        rx={mouthWidth / 2}
        ry={mouthHeight / 2}
        fill="#5b1f25"
        stroke="#8a3b3b"
        strokeWidth="2"
      />
    </svg>
  );
}
