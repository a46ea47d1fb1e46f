import { describe, expect, it } from 'vitest';
import { serveConnection } from '../../../../main/host/api-server.js';
import { createMemoryPair } from '../../../../main/host/memory-transport.js';
import { Redactor } from '../../../../main/logging/redaction.js';
import { createApiClient } from '../../../../shared/api/client.js';
import { ApiError } from '../../../../shared/api/protocol.js';
import { echoApi } from '../../../fixtures/echo-api.js';

describe('api server errors', () => {
  it('scrubs credentials from an error message before it reaches the client', async () => {
    const redactor = new Redactor();
    redactor.remember('k3y-value');
    const pair = createMemoryPair();
    serveConnection(echoApi(), pair.host, { redact: (text) => redactor.redact(text) });
    const client = createApiClient(pair.client);
    const error = await client
      .call('markets.trades', { instrument: 'x?signature=abc123&key=k3y-value', limit: 1 })
      .catch((e: unknown) => e);
    expect(error).toEqual(
      new ApiError('not_found', "unknown instrument 'x?signature=[redacted]&key=[redacted]'"),
    );
  });
});
