/**
 * /rest/v1 embedding beyond plain foreign keys, as PostgREST's schema cache relates tables:
 * many-to-many through a junction (a table whose foreign keys to both sides lie in its primary
 * key), views inheriting their base tables' keys (simple views and views of views; a UNION view
 * none), and the ambiguity these bring to our own schema (usage_metrics and current_day_usage are
 * junctions of users and tenants by that rule). Test-only tables live in graphql_public.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProbe, dropProbe, probeGet, probeName } from '../helpers/rest-probe.ts';
import { assertPgrstError, rest, serviceDb } from '../helpers/rest.ts';
import { message, TENANT, USER } from '../helpers/seed-ids.ts';
import { serviceRoleKey } from '../helpers/api.ts';

const [films, actors, roles, awards, list, list2, union] = ['films', 'actors', 'roles', 'awards', 'film_list', 'film_list2', 'film_union'].map(probeName);
const S = 'graphql_public';

before(async () => {
  await createProbe(`
    create table ${S}.${films} (id int primary key, title text not null);
    create table ${S}.${actors} (id int primary key, name text not null);
    create table ${S}.${roles} (film_id int references ${S}.${films}, actor_id int references ${S}.${actors}, character text,
      primary key (film_id, actor_id));
    -- Its foreign keys form a unique key, not part of the primary key: not a junction.
    create table ${S}.${awards} (id int primary key, film_id int not null references ${S}.${films}, actor_id int not null references ${S}.${actors},
      prize text, unique (film_id, actor_id));
    create view ${S}.${list} as select id as film_id, title from ${S}.${films};
    create view ${S}.${list2} as select film_id, title as name from ${S}.${list};
    create view ${S}.${union} as select id, title from ${S}.${films} union all select id, title from ${S}.${films};
    grant select on ${S}.${films}, ${S}.${actors}, ${S}.${roles}, ${S}.${awards}, ${S}.${list}, ${S}.${list2}, ${S}.${union} to service_role;
    insert into ${S}.${films} values (1, 'Alien'), (2, 'Brazil'), (3, 'Casablanca');
    insert into ${S}.${actors} values (1, 'Sigourney'), (2, 'Jonathan'), (3, 'Ingrid'), (4, 'Nobody');
    insert into ${S}.${roles} values (1, 1, 'Ripley'), (2, 2, 'Sam'), (3, 3, 'Ilsa'), (1, 2, 'Extra');
    insert into ${S}.${awards} values (1, 1, 1, 'Best'), (2, 3, 3, 'Best')`, `/${union}?select=id&limit=1`);
});
after(async () => {
  await dropProbe(`drop view if exists ${S}.${union}, ${S}.${list2}, ${S}.${list};
    drop table if exists ${S}.${awards}, ${S}.${roles}, ${S}.${actors}, ${S}.${films}`);
});

describe('rest embedding: many-to-many', () => {
  it('through the junction both ways, with embed order, filters and !inner; the junction as hint', async () => {
    const res = await probeGet(`/${actors}?select=name,${films}(title)&order=id&${films}.order=title`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, [
      { name: 'Sigourney', [films]: [{ title: 'Alien' }] },
      { name: 'Jonathan', [films]: [{ title: 'Alien' }, { title: 'Brazil' }] },
      { name: 'Ingrid', [films]: [{ title: 'Casablanca' }] },
      { name: 'Nobody', [films]: [] },
    ]);
    const inner = await probeGet(`/${films}?select=title,${actors}!inner(name)&${actors}.name=eq.Jonathan&order=title`);
    assert.deepEqual(inner.json, [{ title: 'Alien', [actors]: [{ name: 'Jonathan' }] }, { title: 'Brazil', [actors]: [{ name: 'Jonathan' }] }]);
    const limited = await probeGet(`/${films}?select=title,${actors}(name)&id=eq.1&${actors}.order=name.desc&${actors}.limit=1`);
    assert.deepEqual(limited.json, [{ title: 'Alien', [actors]: [{ name: 'Sigourney' }] }]);
    const hinted = await probeGet(`/${actors}?select=name,${films}!${roles}(title)&id=eq.3`);
    assert.deepEqual(hinted.json, [{ name: 'Ingrid', [films]: [{ title: 'Casablanca' }] }]);
  });

  it('a link table whose keys are only unique is no junction (PGRST200 through it), but embeds step by step', async () => {
    const none = await probeGet(`/${actors}?select=name,${films}!${awards}(title)`);
    assert.equal(none.status, 400);
    assertPgrstError(none.json, {
      code: 'PGRST200', message: `Could not find a relationship between '${actors}' and '${films}' in the schema cache`, hint: null,
      details: `Searched for a foreign key relationship between '${actors}' and '${films}' using the hint '${awards}' in the schema '${S}', but no matches were found.`,
    });
    const steps = await probeGet(`/${actors}?select=name,${awards}(prize,${films}(title))&id=eq.1`);
    assert.deepEqual(steps.json, [{ name: 'Sigourney', [awards]: [{ prize: 'Best', [films]: { title: 'Alien' } }] }]);
  });
});

describe('rest embedding: views', () => {
  it('a simple view relates through its base table\'s keys, to-one and to-many, and is a side of a many-to-many', async () => {
    const toOne = await probeGet(`/${roles}?select=character,${list}(title)&order=character`);
    assert.equal(toOne.status, 200, toOne.text);
    assert.deepEqual(toOne.json, [
      { character: 'Extra', [list]: { title: 'Alien' } }, { character: 'Ilsa', [list]: { title: 'Casablanca' } },
      { character: 'Ripley', [list]: { title: 'Alien' } }, { character: 'Sam', [list]: { title: 'Brazil' } },
    ]);
    const toMany = await probeGet(`/${list}?select=title,${roles}(character)&film_id=eq.1&${roles}.order=character`);
    assert.deepEqual(toMany.json, [{ title: 'Alien', [roles]: [{ character: 'Extra' }, { character: 'Ripley' }] }]);
    const m2m = await probeGet(`/${list}?select=title,${actors}(name)&film_id=eq.2`);
    assert.deepEqual(m2m.json, [{ title: 'Brazil', [actors]: [{ name: 'Jonathan' }] }]);
  });

  it('a view of a view inherits them too; a UNION view relates to nothing', async () => {
    const chained = await probeGet(`/${list2}?select=name,${roles}(character)&film_id=eq.3`);
    assert.equal(chained.status, 200, chained.text);
    assert.deepEqual(chained.json, [{ name: 'Casablanca', [roles]: [{ character: 'Ilsa' }] }]);
    const unioned = await probeGet(`/${union}?select=title,${roles}(character)`);
    assert.equal(unioned.status, 400);
    assertPgrstError(unioned.json, { code: 'PGRST200', message: `Could not find a relationship between '${union}' and '${roles}' in the schema cache` });
  });

  it('our views: current_day_usage to users and back, messages to manual_review_queue (null when not queued)', async () => {
    const db = serviceDb();
    const usage = await db.from('current_day_usage').select('user_id, users(id)').limit(5);
    assert.equal(usage.error, null);
    assert.ok(usage.data!.every((r) => (r.users as unknown as { id: string }).id === r.user_id));
    const back = await db.from('users').select('id, current_day_usage(date)').eq('id', USER.bob).single();
    assert.equal(back.error, null);
    assert.ok(Array.isArray(back.data!.current_day_usage));
    const queued = await rest(`/messages?select=id,manual_review_queue(conversation_id)&id=eq.${message(1, 1)}`, { headers: { Authorization: `Bearer ${serviceRoleKey()}` } });
    assert.deepEqual(queued.json, [{ id: message(1, 1), manual_review_queue: null }]);
  });
});

describe('rest embedding: ambiguity in our schema', () => {
  it('users with tenants: the foreign key and two junctions (usage_metrics, current_day_usage) are 300 PGRST201; a hint picks one', async () => {
    const amb = await serviceDb().from('users').select('id, tenants(id)').eq('id', USER.bob);
    assert.equal(amb.status, 300);
    assertPgrstError(amb.error, {
      code: 'PGRST201', message: "Could not embed because more than one relationship was found for 'users' and 'tenants'",
      details: [
        { cardinality: 'many-to-one', embedding: 'users with tenants', relationship: 'users_tenant_id_fkey using users(tenant_id) and tenants(id)' },
        { cardinality: 'many-to-many', embedding: 'users with tenants', relationship: 'current_day_usage using usage_metrics_user_fkey(user_id, tenant_id) and usage_metrics_tenant_id_fkey(tenant_id)' },
        { cardinality: 'many-to-many', embedding: 'users with tenants', relationship: 'usage_metrics using usage_metrics_user_fkey(user_id, tenant_id) and usage_metrics_tenant_id_fkey(tenant_id)' },
      ],
      hint: "Try changing 'tenants' to one of the following: 'tenants!users_tenant_id_fkey', 'tenants!current_day_usage', 'tenants!usage_metrics'. Find the desired relationship in the 'details' key.",
    });
    const fk = await serviceDb().from('users').select('id, tenants!users_tenant_id_fkey(id)').eq('id', USER.bob).single();
    assert.equal(fk.error, null);
    assert.deepEqual(fk.data, { id: USER.bob, tenants: { id: TENANT.acme } });
    const junction = await serviceDb().from('tenants').select('id, users!usage_metrics(id)').eq('id', TENANT.acme).single();
    assert.equal(junction.error, null);
    assert.ok(Array.isArray(junction.data!.users));
  });
});
