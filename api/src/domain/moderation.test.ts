import { describe, expect, it } from 'vitest';
import { classify, normalizeForMatching, type PolicyRules, parsePolicyCategories } from './moderation';

const policy: PolicyRules = {
  id: 'p1',
  name: 'default',
  categories: [
    { name: 'violence', terms: ['kill', 'stab'], action: 'REPLACE' },
    { name: 'medical', terms: ['dosage'], action: 'FLAG' },
  ],
  blockTerms: ['hate speech', 'badword'],
  allowTerms: ['kill time'],
  action: 'REPLACE',
};

describe('local moderation classifier', () => {
  it('allows ordinary text', () => {
    expect(classify('Let us plan a picnic in the park.', [policy])).toEqual({ action: 'ALLOW', matches: [] });
  });

  it('matches whole words case-insensitively, not substrings', () => {
    expect(classify('I will KILL it.', [policy])).toMatchObject({
      action: 'REPLACE',
      category: 'violence',
      policyId: 'p1',
    });
    expect(classify('The skill tree is big.', [policy]).action).toBe('ALLOW');
  });

  it('sees through accents and look-alike characters', () => {
    expect(classify('that is b4dw0rd!', [policy]).action).toBe('REPLACE');
    expect(classify('k1ll', [policy]).action).toBe('REPLACE');
    expect(normalizeForMatching('Ça, 4 cats')).toBe(' ca 4 cats ');
  });

  it('matches multi-word block terms across punctuation', () => {
    expect(classify('this is Hate-speech.', [policy])).toMatchObject({
      action: 'REPLACE',
      category: 'blocked',
    });
  });

  it('lets an allow term override a blocked word inside it', () => {
    expect(classify('We could kill time at the museum.', [policy]).action).toBe('ALLOW');
    expect(classify('We could kill time, then kill him.', [policy]).action).toBe('REPLACE');
  });

  it('prefers REPLACE over FLAG when both match', () => {
    const verdict = classify('the dosage could kill', [policy]);
    expect(verdict).toMatchObject({ action: 'REPLACE', category: 'violence' });
    expect(verdict.matches).toHaveLength(2);
    expect(classify('check the dosage', [policy])).toMatchObject({ action: 'FLAG', category: 'medical' });
  });

  it('rejects malformed policy categories', () => {
    expect(() => parsePolicyCategories([{ name: '', terms: [] }])).toThrow();
    expect(parsePolicyCategories([{ name: 'x', terms: ['a'] }])).toEqual([
      { name: 'x', terms: ['a'], action: 'REPLACE' },
    ]);
  });
});
