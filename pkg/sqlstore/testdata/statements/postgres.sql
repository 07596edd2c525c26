-- ddl
-- xr SQL mirror table, PostgreSQL. observed_at_utc and the audit times
-- are timestamp (without time zone) holding UTC, like DATETIME2.
CREATE SCHEMA IF NOT EXISTS "lake";
CREATE TABLE IF NOT EXISTS "lake"."RawExchangeRecord" (
    exchange_id     uuid         NOT NULL PRIMARY KEY,
    exchange_type   varchar(50)  NOT NULL,
    source_system   varchar(100) NOT NULL,
    entity_type     varchar(100) NOT NULL,
    "natural_key"     varchar(500) NULL,
    observed_at_utc timestamp    NOT NULL,
    "content_sha256"  char(64)     NOT NULL,
    payload_json    text         NOT NULL,
    schema_version  integer      NOT NULL DEFAULT 1,
    created_at_utc  timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at_utc  timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_RawExchangeRecord_ContentHash" ON "lake"."RawExchangeRecord" ("content_sha256");
-- unique (the spec's index is plain): one current record per natural key,
-- and the ON CONFLICT target of the upsert.
CREATE UNIQUE INDEX IF NOT EXISTS "IX_RawExchangeRecord_NaturalKey" ON "lake"."RawExchangeRecord" (source_system, entity_type, "natural_key")
    WHERE "natural_key" IS NOT NULL;

-- exists
SELECT to_regclass('"lake"."RawExchangeRecord"') IS NOT NULL

-- lockCreate
SELECT pg_advisory_xact_lock(hashtext('xr:lake.RawExchangeRecord'))

-- lock
LOCK TABLE "lake"."RawExchangeRecord" IN SHARE ROW EXCLUSIVE MODE

-- knownHashes
SELECT "content_sha256"::text FROM "lake"."RawExchangeRecord" WHERE "content_sha256" = ANY($1::bpchar[])

-- knownIDs
SELECT exchange_id::text, source_system, entity_type, "natural_key", "content_sha256"::text FROM "lake"."RawExchangeRecord" WHERE exchange_id = ANY($1::text[]::uuid[])

-- knownKeys
SELECT k.i, t."content_sha256"::text, t.observed_at_utc FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS k(s, e, n, i) JOIN "lake"."RawExchangeRecord" AS t ON t.source_system = k.s AND t.entity_type = k.e AND t."natural_key" = k.n

-- temp
CREATE TEMP TABLE IF NOT EXISTS xr_load (exchange_id text, exchange_type text, source_system text, entity_type text, natural_key text, observed_at_utc timestamp, content_sha256 text, payload_json text, schema_version integer) ON COMMIT DELETE ROWS

-- upsert
INSERT INTO "lake"."RawExchangeRecord" AS t (exchange_id, exchange_type, source_system, entity_type, "natural_key", observed_at_utc, "content_sha256", payload_json, schema_version)
SELECT s.exchange_id::uuid, s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM "lake"."RawExchangeRecord" AS h WHERE h."content_sha256" = s.content_sha256)
ON CONFLICT (source_system, entity_type, "natural_key") WHERE "natural_key" IS NOT NULL DO UPDATE SET
 exchange_id = excluded.exchange_id, exchange_type = excluded.exchange_type, observed_at_utc = excluded.observed_at_utc,
 "content_sha256" = excluded."content_sha256", payload_json = excluded.payload_json, schema_version = excluded.schema_version,
 updated_at_utc = (now() AT TIME ZONE 'utc')
RETURNING t."content_sha256"::text, (t.xmax = 0)

-- upsertOlder
INSERT INTO "lake"."RawExchangeRecord" AS t (exchange_id, exchange_type, source_system, entity_type, "natural_key", observed_at_utc, "content_sha256", payload_json, schema_version)
SELECT s.exchange_id::uuid, s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM "lake"."RawExchangeRecord" AS h WHERE h."content_sha256" = s.content_sha256)
ON CONFLICT (source_system, entity_type, "natural_key") WHERE "natural_key" IS NOT NULL DO UPDATE SET
 exchange_id = excluded.exchange_id, exchange_type = excluded.exchange_type, observed_at_utc = excluded.observed_at_utc,
 "content_sha256" = excluded."content_sha256", payload_json = excluded.payload_json, schema_version = excluded.schema_version,
 updated_at_utc = (now() AT TIME ZONE 'utc')
WHERE t.observed_at_utc IS NULL OR t.observed_at_utc <= excluded.observed_at_utc
RETURNING t."content_sha256"::text, (t.xmax = 0)

-- upsertNever
INSERT INTO "lake"."RawExchangeRecord" AS t (exchange_id, exchange_type, source_system, entity_type, "natural_key", observed_at_utc, "content_sha256", payload_json, schema_version)
SELECT s.exchange_id::uuid, s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM "lake"."RawExchangeRecord" AS h WHERE h."content_sha256" = s.content_sha256)
ON CONFLICT (source_system, entity_type, "natural_key") WHERE "natural_key" IS NOT NULL DO NOTHING
RETURNING t."content_sha256"::text, (t.xmax = 0)

-- limits
SELECT a.attname::text, a.atttypmod - 4 FROM pg_attribute AS a WHERE a.attrelid = to_regclass('"lake"."RawExchangeRecord"') AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4

-- dump
SELECT payload_json FROM "lake"."RawExchangeRecord"

-- index
SELECT "content_sha256", source_system, entity_type, "natural_key", exchange_id::text, observed_at_utc, CASE WHEN left(payload_json, 16) = '{"exchange_id":"' THEN left(payload_json, 53) ELSE payload_json END FROM "lake"."RawExchangeRecord"

