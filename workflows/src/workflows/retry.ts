import type { RetryPolicy } from '@temporalio/workflow';
import { FAILURE } from '../shared';

/**
 * The one retry policy of our activities: exponential backoff from one second, and no retry of a business
 * error (a missing row stays missing, bad input stays bad). Each use may cap the interval or the attempts.
 */
export function retryPolicy(overrides: Omit<RetryPolicy, 'nonRetryableErrorTypes'> = {}): RetryPolicy {
  return {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [FAILURE.notFound, FAILURE.badInput, FAILURE.tooLarge],
    ...overrides,
  };
}
