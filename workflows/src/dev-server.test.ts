import { describe, expect, it } from 'vitest';
import { startDevServer } from './dev-server';

describe('Temporal dev server launcher', () => {
  it('explains how to get the CLI when it is missing', async () => {
    await expect(startDevServer({ executable: '/nonexistent/temporal' })).rejects.toThrow(
      /scripts\/setup.sh/,
    );
  });

  it('reports a server that exits before serving, with its output', async () => {
    // `false` exits at once with status 1, like a CLI that cannot bind its port.
    await expect(startDevServer({ executable: '/bin/false', startTimeoutMs: 5_000 })).rejects.toThrow(
      /exited with code 1/,
    );
  });
});
