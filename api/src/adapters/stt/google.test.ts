import { describe, expect, it } from 'vitest';
import { classifyGrpcError, mapRecognizeResponse } from './google';

// Google itself cannot be reached here: these cover the parts that are ours.
describe('Google STT mapping', () => {
  it('maps n-best alternatives of a single result, best first', () => {
    const result = mapRecognizeResponse({
      results: [
        {
          alternatives: [
            { transcript: 'turn on the lights', confidence: 0.92 },
            { transcript: 'turn on the light' },
            { transcript: 'turn off the lights' },
          ],
        },
      ],
    });
    expect(result).toEqual({
      text: 'turn on the lights',
      isFinal: true,
      confidence: 0.92,
      alternatives: [
        { text: 'turn on the lights', confidence: 0.92 },
        { text: 'turn on the light', confidence: 0 },
        { text: 'turn off the lights', confidence: 0 },
      ],
    });
  });

  it('joins consecutive results of a long utterance', () => {
    const result = mapRecognizeResponse({
      results: [
        { alternatives: [{ transcript: 'hello there', confidence: 0.8 }, { transcript: 'hello their' }] },
        { alternatives: [{ transcript: ' how are you', confidence: 0.6 }] },
      ],
    });
    expect(result.text).toBe('hello there how are you');
    expect(result.confidence).toBeCloseTo(0.7, 5);
    expect(result.alternatives.map((a) => a.text)).toEqual([
      'hello there how are you',
      'hello their how are you',
    ]);
  });

  it('an empty response is an empty final transcript', () => {
    expect(mapRecognizeResponse({})).toEqual({ text: '', isFinal: true, confidence: 0, alternatives: [] });
  });

  it('classifies gRPC failures', () => {
    expect(classifyGrpcError(Object.assign(new Error('bad audio'), { code: 3 }))).toMatchObject({
      retryable: false,
    });
    expect(classifyGrpcError(Object.assign(new Error('quota'), { code: 8 }))).toMatchObject({
      retryable: true,
    });
    expect(classifyGrpcError(Object.assign(new Error('slow'), { code: 4 }))).toMatchObject({
      retryable: true,
      timeout: true,
    });
  });
});
