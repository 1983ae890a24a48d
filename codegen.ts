import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed client operations generated from schema.graphql: one output for the integration tests, one for the console.
const clientPreset = {
  preset: 'client' as const,
  presetConfig: { fragmentMasking: false },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    scalars: { DateTime: 'string', JSON: 'unknown', File: 'File' },
  },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'api/test-support/gql/': { ...clientPreset, documents: ['api/test-support/operations.ts'] },
    'console/src/gql/': { ...clientPreset, documents: ['console/src/**/*.{ts,tsx}', '!console/src/gql/**'] },
    'client/src/gql/': { ...clientPreset, documents: ['client/src/operations.ts'] },
  },
};

export default config;
