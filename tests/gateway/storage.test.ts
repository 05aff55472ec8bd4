/**
 * /storage/v1 through the gateway with storage-js (supabase-js .storage): per-user folder policies
 * on a test bucket, uploads, downloads, listing, removal, signed URLs, limits and traversal.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { anonKey, apiUrl, client, serviceClient, userToken } from '../helpers/api.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { USER } from '../helpers/seed-ids.ts';

const BUCKET = `gw-files-${process.pid}`;
const INSERT_ONLY = `gw-insert-only-${process.pid}`;
const ALICE = USER.alice;
const BOB = USER.bob;

const folderRule = `bucket_id = '${BUCKET}' and (storage.foldername(name))[1] = (select auth.uid()::text)`;

before(async () => {
  const admin = connect(superuserUrl());
  await admin`insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
              values (${BUCKET}, ${BUCKET}, false, 1024, ${['text/plain', 'application/json', 'image/*']}),
                     (${INSERT_ONLY}, ${INSERT_ONLY}, false, null, null)`;
  for (const [action, clause] of [['insert', 'with check'], ['select', 'using'], ['update', 'using'], ['delete', 'using']] as const) {
    await admin.unsafe(`create policy "${BUCKET} ${action} own folder" on storage.objects for ${action} to authenticated ${clause} (${folderRule})`);
  }
  await admin.unsafe(`create policy "${INSERT_ONLY} insert own folder" on storage.objects for insert to authenticated
                      with check (bucket_id = '${INSERT_ONLY}' and (storage.foldername(name))[1] = (select auth.uid()::text))`);
});

after(async () => {
  const admin = connect(superuserUrl());
  for (const p of await admin`select policyname from pg_policies where schemaname = 'storage' and policyname like ${`%-${process.pid} %`}`) {
    await admin.unsafe(`drop policy "${p.policyname}" on storage.objects`);
  }
  await admin.begin(async (tx) => {
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    await tx`delete from storage.objects where bucket_id in (${BUCKET}, ${INSERT_ONLY})`;
    await tx`delete from storage.buckets where id in (${BUCKET}, ${INSERT_ONLY})`;
  });
});

const as = async (user: string) => client(await userToken(user)).storage;
const text = (s: string) => new Blob([s], { type: 'text/plain' });

function statusCodeOf(error: unknown): string {
  assert.ok(error, 'expected a storage error');
  return String((error as { statusCode?: string }).statusCode);
}

describe('storage uploads', () => {
  it('a user uploads into their own folder; the row carries size, mimetype, eTag and owner', async () => {
    const storage = await as(ALICE);
    const { data, error } = await storage.from(BUCKET).upload(`${ALICE}/notes/hello.txt`, text('hello world'));
    assert.equal(error, null);
    assert.equal(data!.path, `${ALICE}/notes/hello.txt`);
    assert.equal(data!.fullPath, `${BUCKET}/${ALICE}/notes/hello.txt`);
    const [row] = await connect(superuserUrl())`select owner, owner_id, metadata from storage.objects where bucket_id = ${BUCKET} and name = ${`${ALICE}/notes/hello.txt`}`;
    assert.equal(row.owner, ALICE);
    assert.equal(row.owner_id, ALICE);
    assert.equal(row.metadata.size, 11);
    assert.equal(row.metadata.mimetype, 'text/plain');
    assert.equal(row.metadata.cacheControl, 'max-age=3600');
    assert.match(row.metadata.eTag, /^"[0-9a-f]{32}"$/);
  });

  it("refuses an upload into another user's folder (403 in statusCode) and writes nothing", async () => {
    const { error } = await (await as(BOB)).from(BUCKET).upload(`${ALICE}/intrusion.txt`, text('x'));
    assert.equal(statusCodeOf(error), '403');
    assert.match((error as Error).message, /row-level security/);
    const [row] = await connect(superuserUrl())`select count(*)::int as n from storage.objects where name = ${`${ALICE}/intrusion.txt`}`;
    assert.equal(row.n, 0);
  });

  it('refuses a duplicate without upsert (409) and overwrites with upsert', async () => {
    const storage = await as(ALICE);
    await storage.from(BUCKET).upload(`${ALICE}/dup.txt`, text('one'));
    const dup = await storage.from(BUCKET).upload(`${ALICE}/dup.txt`, text('two'));
    assert.equal(statusCodeOf(dup.error), '409');
    const up = await storage.from(BUCKET).upload(`${ALICE}/dup.txt`, text('three'), { upsert: true });
    assert.equal(up.error, null);
    const { data } = await storage.from(BUCKET).download(`${ALICE}/dup.txt`);
    assert.equal(await data!.text(), 'three');
  });

  it('needs select and update policies to overwrite: an insert-only bucket refuses upsert', async () => {
    const storage = await as(ALICE);
    assert.equal((await storage.from(INSERT_ONLY).upload(`${ALICE}/a.txt`, text('first'))).error, null);
    const overwrite = await storage.from(INSERT_ONLY).upload(`${ALICE}/a.txt`, text('second'), { upsert: true });
    assert.equal(statusCodeOf(overwrite.error), '403');
  });

  it('accepts raw bodies with a content type, and enforces the bucket size limit (413) and MIME types (415)', async () => {
    const storage = await as(ALICE);
    const raw = await storage.from(BUCKET).upload(`${ALICE}/data.json`, JSON.stringify({ a: 1 }), { contentType: 'application/json' });
    assert.equal(raw.error, null);
    const big = await storage.from(BUCKET).upload(`${ALICE}/big.txt`, text('x'.repeat(2048)));
    assert.equal(statusCodeOf(big.error), '413');
    const pdf = await storage.from(BUCKET).upload(`${ALICE}/doc.pdf`, new Blob(['%PDF'], { type: 'application/pdf' }));
    assert.equal(statusCodeOf(pdf.error), '415');
    const image = await storage.from(BUCKET).upload(`${ALICE}/pic.png`, new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }));
    assert.equal(image.error, null, 'image/* allows image/png');
  });

  it('refuses a missing bucket (404 in statusCode) and an anonymous upload', async () => {
    const missing = await (await as(ALICE)).from('no-such-bucket').upload(`${ALICE}/x.txt`, text('x'));
    assert.equal(statusCodeOf(missing.error), '404');
    const anon = await client().storage.from(BUCKET).upload(`${ALICE}/anon.txt`, text('x'));
    assert.equal(statusCodeOf(anon.error), '403');
  });
});

describe('storage reads', () => {
  it("downloads, info and exists for own objects; another user's are not found", async () => {
    const alice = await as(ALICE);
    await alice.from(BUCKET).upload(`${ALICE}/read-me.txt`, text('secret plan'));
    const own = await alice.from(BUCKET).download(`${ALICE}/read-me.txt`);
    assert.equal(await own.data!.text(), 'secret plan');
    const info = await alice.from(BUCKET).info(`${ALICE}/read-me.txt`);
    assert.equal(info.error, null);
    assert.equal(info.data!.size, 11);
    assert.equal(info.data!.contentType, 'text/plain');
    assert.equal((await alice.from(BUCKET).exists(`${ALICE}/read-me.txt`)).data, true);
    assert.equal((await alice.from(BUCKET).exists(`${ALICE}/nope.txt`)).data, false);
    const bob = await as(BOB);
    const stolen = await bob.from(BUCKET).download(`${ALICE}/read-me.txt`);
    assert.ok(stolen.error);
    assert.equal((await bob.from(BUCKET).exists(`${ALICE}/read-me.txt`)).data, false);
    const anon = await fetch(`${apiUrl()}/storage/v1/object/${BUCKET}/${ALICE}/read-me.txt`);
    assert.equal(anon.status, 400);
    assert.equal((await anon.json()).statusCode, '404');
  });

  it('lists only what the caller may see, one level at a time', async () => {
    const alice = await as(ALICE);
    await alice.from(BUCKET).upload(`${ALICE}/list/a.txt`, text('a'));
    await alice.from(BUCKET).upload(`${ALICE}/list/b.txt`, text('b'));
    await alice.from(BUCKET).upload(`${ALICE}/list/sub/c.txt`, text('c'));
    await (await as(BOB)).from(BUCKET).upload(`${BOB}/list/bob.txt`, text('bob'));
    const { data, error } = await alice.from(BUCKET).list(`${ALICE}/list`);
    assert.equal(error, null);
    assert.deepEqual(data!.map((e) => [e.name, e.id === null]), [['a.txt', false], ['b.txt', false], ['sub', true]]);
    const top = await alice.from(BUCKET).list('');
    assert.deepEqual(top.data!.map((e) => e.name), [ALICE]);
    const searched = await alice.from(BUCKET).list(`${ALICE}/list`, { search: 'b' });
    assert.deepEqual(searched.data!.map((e) => e.name), ['b.txt']);
    const paged = await alice.from(BUCKET).list(`${ALICE}/list`, { limit: 1, offset: 1 });
    assert.deepEqual(paged.data!.map((e) => e.name), ['b.txt']);
  });

  it('removes own objects only: others are silently skipped', async () => {
    const alice = await as(ALICE);
    await alice.from(BUCKET).upload(`${ALICE}/gone.txt`, text('bye'));
    const byBob = await (await as(BOB)).from(BUCKET).remove([`${ALICE}/gone.txt`]);
    assert.deepEqual(byBob.data, []);
    const own = await alice.from(BUCKET).remove([`${ALICE}/gone.txt`, `${ALICE}/never-existed.txt`]);
    assert.deepEqual(own.data!.map((o) => o.name), [`${ALICE}/gone.txt`]);
    assert.equal((await alice.from(BUCKET).exists(`${ALICE}/gone.txt`)).data, false);
  });

  it('signed URLs: created for a visible object, fetched without auth, refused once expired or tampered', async () => {
    const alice = await as(ALICE);
    await alice.from(BUCKET).upload(`${ALICE}/share.txt`, text('shared'));
    const { data, error } = await alice.from(BUCKET).createSignedUrl(`${ALICE}/share.txt`, 60);
    assert.equal(error, null);
    const res = await fetch(data!.signedUrl);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'shared');
    const tampered = await fetch(data!.signedUrl.replace('share.txt', 'read-me.txt'));
    assert.equal(tampered.status, 400);
    const bobSign = await (await as(BOB)).from(BUCKET).createSignedUrl(`${ALICE}/share.txt`, 60);
    assert.ok(bobSign.error, 'cannot sign what you cannot see');
    const short = await alice.from(BUCKET).createSignedUrl(`${ALICE}/share.txt`, 1);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(short.data!.signedUrl);
    assert.equal(expired.status, 400);
    assert.match((await expired.json()).message, /expired/);
    const many = await alice.from(BUCKET).createSignedUrls([`${ALICE}/share.txt`, `${BOB}/list/bob.txt`], 60);
    assert.deepEqual(many.data!.map((r) => r.error), [null, 'Either the object does not exist or you do not have access to it']);
  });

  it('refuses traversal: encoded slashes are invalid keys, dot segments are refused (never resolved)', async () => {
    const token = await userToken(ALICE);
    const raw = (path: string, method = 'GET') => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(apiUrl());
      const req = http.request({ host: url.hostname, port: url.port, path, method, headers: { Authorization: `Bearer ${token}`, apikey: anonKey(), 'content-type': 'text/plain' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(method === 'POST' ? 'x' : undefined);
    });
    const encoded = await raw(`/storage/v1/object/${BUCKET}/${ALICE}%2F..%2F${BOB}%2Fx.txt`, 'POST');
    assert.equal(encoded.status, 400);
    assert.equal(JSON.parse(encoded.body).code, 'InvalidKey');
    const dots = await raw(`/storage/v1/object/${BUCKET}/${ALICE}/../${BOB}/list/bob.txt`);
    assert.deepEqual([dots.status, JSON.parse(dots.body).statusCode], [400, '400'], 'refused, never normalised to another user\'s path');
    const escape = await raw(`/storage/v1/object/${BUCKET}/../../../etc/passwd`);
    assert.equal(escape.status === 400 || escape.status === 404, true);
    assert.doesNotMatch(escape.body, /root:/);
  });

  it('service_role sees every object', async () => {
    const { data } = await serviceClient().storage.from(BUCKET).list(`${BOB}/list`);
    assert.deepEqual(data!.map((e) => e.name), ['bob.txt']);
  });
});
