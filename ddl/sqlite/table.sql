-- xr SQL mirror table, SQLite. SQLite has no schemas: the table is named
-- <schema>_<table> (default lake_RawExchangeRecord). Times are TEXT in
-- fixed-width UTC (2006-01-02T15:04:05.000000000Z) so they sort as text.
CREATE TABLE IF NOT EXISTS {{.T}} (
    exchange_id     TEXT    NOT NULL PRIMARY KEY,
    exchange_type   TEXT    NOT NULL,
    source_system   TEXT    NOT NULL,
    entity_type     TEXT    NOT NULL,
    {{.NK}}     TEXT    NULL,
    observed_at_utc TEXT    NOT NULL,
    {{.Hash}}  TEXT    NOT NULL,
    payload_json    TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL DEFAULT 1,
    created_at_utc  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at_utc  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS {{.IXHash}} ON {{.T}} ({{.Hash}});
-- unique (the spec's index is plain): the table holds one current record
-- per natural key, and concurrent loaders must not both insert one.
CREATE UNIQUE INDEX IF NOT EXISTS {{.IXKey}} ON {{.T}} (source_system, entity_type, {{.NK}})
    WHERE {{.NK}} IS NOT NULL;
