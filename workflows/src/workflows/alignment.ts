import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { type Alignment, type AlignmentInput, FAILURE, MAX_WORKFLOW_TEXT_CHARS } from '../shared';
import { retryPolicy } from './retry';

const db = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: retryPolicy() });

// Decoding takes about a tenth of the audio's duration; a few attempts cover a busy machine.
const aligner = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: retryPolicy({ initialInterval: '2s', maximumAttempts: 5 }),
});

/**
 * Word and phone timings for TTS audio that came without them (OpenAI, Google), stored on the turn for replay. The
 * session runtime starts it for every stored answer whose speech had no phoneme timings.
 */
export async function phonemeAlignmentWorkflow(input: AlignmentInput): Promise<Alignment> {
  const text = input.text ?? (await db.loadTurnText(input.turnId));
  if (text.trim() === '') {
    throw ApplicationFailure.create({
      message: 'nothing to align: text is empty',
      type: FAILURE.badInput,
      nonRetryable: true,
    });
  }
  if (text.length > MAX_WORKFLOW_TEXT_CHARS) {
    throw ApplicationFailure.create({
      message: `text longer than ${MAX_WORKFLOW_TEXT_CHARS} characters`,
      type: FAILURE.badInput,
      nonRetryable: true,
    });
  }
  const alignment = input.response
    ? await aligner.alignResponse({ ...input.response, text })
    : input.wavPath
      ? await aligner.alignSpeech({ wavPath: input.wavPath, text })
      : null;
  if (!alignment) {
    throw ApplicationFailure.create({
      message: 'nothing to align: give a WAV file or an answer',
      type: FAILURE.badInput,
      nonRetryable: true,
    });
  }
  await db.saveTurnAlignment({ turnId: input.turnId, alignment });
  return alignment;
}
