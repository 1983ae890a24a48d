/**
 * Local rule/term classifier for what the avatar is about to say. Pure: policies in, verdict out.
 *
 * Terms match whole words (or whole phrases) case-insensitively after normalising accents and common
 * look-alike characters ("h4t3" matches "hate"), so "class" never trips "ass". Allow terms are removed from the
 * text before matching, so an allowed phrase ("kill time") overrides a blocked word inside it ("kill").
 */
import { z } from 'zod';

export type ModerationActionKind = 'REPLACE' | 'FLAG';

export interface PolicyCategory {
  name: string;
  terms: string[];
  action: ModerationActionKind;
}

export interface PolicyRules {
  id: string;
  name: string;
  categories: PolicyCategory[];
  blockTerms: string[];
  allowTerms: string[];
  /** What a block-term match does. */
  action: ModerationActionKind;
}

export interface ModerationMatch {
  policyId: string;
  category: string;
  term: string;
  action: ModerationActionKind;
}

export type ModerationVerdict =
  | { action: 'ALLOW'; matches: [] }
  | { action: ModerationActionKind; category: string; policyId: string; matches: ModerationMatch[] };

/** Category name used for a policy's plain block terms. */
export const BLOCKED_CATEGORY = 'blocked';
export const MAX_MODERATED_TEXT_CHARS = 20_000;

export const policyCategoriesSchema = z.array(
  z.object({
    name: z.string().trim().min(1).max(64),
    terms: z.array(z.string().trim().min(1).max(200)).max(1_000),
    action: z.enum(['REPLACE', 'FLAG']).default('REPLACE'),
  }),
);

/** Validates the `ModerationPolicy.categories` JSON; throws a zod error on a malformed policy. */
export function parsePolicyCategories(json: unknown): PolicyCategory[] {
  return policyCategoriesSchema.parse(json);
}

const LOOK_ALIKES: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '@': 'a',
  '5': 's',
  $: 's',
  '7': 't',
  '8': 'b',
};

/**
 * Lower case, no accents, look-alikes mapped to letters, every other non-letter a space, single spaces.
 * Digits are mapped only inside words ("h4te"), so numbers on their own ("4 cats") stay out of the way.
 */
export function normalizeForMatching(text: string): string {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const mapped = folded.replace(/[\p{L}\p{N}@$]+/gu, (word) =>
    /\p{L}/u.test(word) ? word.replace(/[0-9@$]/g, (c) => LOOK_ALIKES[c] ?? c) : word,
  );
  return ` ${mapped.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

function containsPhrase(normalizedText: string, term: string): boolean {
  const phrase = normalizeForMatching(term);
  return phrase.trim() !== '' && normalizedText.includes(phrase);
}

function removeAllowed(normalizedText: string, allowTerms: string[]): string {
  let text = normalizedText;
  for (const term of allowTerms) {
    const phrase = normalizeForMatching(term);
    if (phrase.trim() === '') continue;
    // Keep the surrounding spaces so neighbouring words stay separate.
    text = text.split(phrase).join('  ');
  }
  return text;
}

/** Every match of every policy; the most severe action wins (REPLACE over FLAG), then policy order. */
export function classify(text: string, policies: PolicyRules[]): ModerationVerdict {
  const normalized = normalizeForMatching(text);
  const matches: ModerationMatch[] = [];
  for (const policy of policies) {
    const visible = removeAllowed(normalized, policy.allowTerms);
    for (const term of policy.blockTerms) {
      if (containsPhrase(visible, term)) {
        matches.push({ policyId: policy.id, category: BLOCKED_CATEGORY, term, action: policy.action });
      }
    }
    for (const category of policy.categories) {
      for (const term of category.terms) {
        if (containsPhrase(visible, term)) {
          matches.push({ policyId: policy.id, category: category.name, term, action: category.action });
        }
      }
    }
  }
  const decisive = matches.find((m) => m.action === 'REPLACE') ?? matches[0];
  if (!decisive) return { action: 'ALLOW', matches: [] };
  return { action: decisive.action, category: decisive.category, policyId: decisive.policyId, matches };
}
