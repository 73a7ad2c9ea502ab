import { describe, expect, it } from 'vitest';
import { trimOpenApi } from '../../scripts/trim-openapi.ts';

const spec = {
  openapi: '3.0.3',
  info: { title: 'API', version: '1.2.3' },
  servers: [{ url: 'https://api.example.com' }],
  paths: {
    '/things': {
      get: {
        operationId: 'things/list',
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/thing' } },
                examples: { default: { $ref: '#/components/examples/things' } },
              },
            },
          },
        },
      },
      post: { operationId: 'things/create', responses: { '201': { $ref: '#/components/responses/created' } } },
    },
  },
  components: {
    schemas: {
      thing: { type: 'object', properties: { owner: { $ref: '#/components/schemas/user' } } },
      user: { type: 'object', properties: { login: { type: 'string' } } },
      unused: { type: 'string' },
    },
    responses: { created: { description: 'Created' } },
    examples: { things: { value: [] } },
  },
};

describe('trimOpenApi', () => {
  it('keeps the chosen operations and, transitively, the components they reference (no examples)', () => {
    const trimmed = trimOpenApi(spec, ['things/list'], 'test spec') as typeof spec;
    expect(Object.keys(trimmed.paths['/things'])).toEqual(['get']);
    expect(Object.keys(trimmed.components)).toEqual(['schemas']);
    expect(Object.keys(trimmed.components.schemas)).toEqual(['thing', 'user']);
    expect(JSON.stringify(trimmed)).not.toContain('examples');
    expect(trimmed.info).toMatchObject({ version: '1.2.3', 'x-trimmed-from': 'test spec' });
  });

  it('fails on an operation the description does not have', () => {
    expect(() => trimOpenApi(spec, ['things/list', 'things/delete'], 'test spec')).toThrow(
      'test spec: operations not found: things/delete',
    );
  });
});
