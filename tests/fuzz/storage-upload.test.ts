/**
 * Fuzz storage uploads: POST (create) and PUT (upsert), raw bodies and multipart forms, with
 * hostile keys, content types, x-upsert, x-metadata, cache-control, oversized and mismatched
 * bodies, into the fuzz bucket (1 MiB, text/json/images, per-user folders) and the raw bucket.
 */
import fc from 'fast-check';
import { fuzzSuite } from '../helpers/fuzz.ts';
import { multipart, objectBytes, storageRequest, storageRoute, uploadContentType, uploadHeaders } from '../helpers/fuzz-storage.ts';

const suite = fuzzSuite('storage-upload', { bucket: true });

for (const method of ['POST', 'PUT']) {
  suite.route(storageRoute(`storage upload ${method} raw`, (ctx) => storageRequest(ctx, {
    methods: [method], prefixes: [''], path: 'object', body: objectBytes, contentType: uploadContentType, headers: uploadHeaders,
  })));
  suite.route(storageRoute(`storage upload ${method} multipart`, (ctx) => multipart.chain(({ body, type }) => storageRequest(ctx, {
    methods: [method], prefixes: [''], path: 'object', body: fc.constant(body), contentType: fc.constant(type), headers: uploadHeaders,
  }))));
}
