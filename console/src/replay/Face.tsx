import { faceShape } from '../../../client/src/face/face-2d';
import type { FaceWeights } from './arkit';

/** A simple 2D face driven by ARKit weights (the client package's shape, drawn with React). */
export function Face({ weights, size = 180 }: { weights: FaceWeights; size?: number }) {
  const { mouthWidth, mouthHeight, smile, blinkLeft, blinkRight, brow } = faceShape(weights);
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
      <ellipse cx="40" cy="56" rx="7" ry={Math.max(0.6, 5 * (1 - blinkLeft))} fill="#2b2b2b" />
      <ellipse cx="80" cy="56" rx="7" ry={Math.max(0.6, 5 * (1 - blinkRight))} fill="#2b2b2b" />
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
