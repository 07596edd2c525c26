-- xr SQL mirror table, PostgreSQL. observed_at_utc and the audit times
-- are timestamp (without time zone) holding UTC, like DATETIME2.
CREATE SCHEMA IF NOT EXISTS {{.Schema}};
CREATE TABLE IF NOT EXISTS {{.T}} (
    exchange_id     uuid         NOT NULL PRIMARY KEY,
    exchange_type   varchar(50)  NOT NULL,
    source_system   varchar(100) NOT NULL,
    entity_type     varchar(100) NOT NULL,
    {{.NK}}     varchar(500) NULL,
    observed_at_utc timestamp    NOT NULL,
    {{.Hash}}  char(64)     NOT NULL,
    payload_json    text         NOT NULL,
    schema_version  integer      NOT NULL DEFAULT 1,
    created_at_utc  timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    updated_at_utc  timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
CREATE UNIQUE INDEX IF NOT EXISTS {{.IXHash}} ON {{.T}} ({{.Hash}});
-- unique (the spec's index is plain): one current record per natural key,
-- and the ON CONFLICT target of the upsert.
CREATE UNIQUE INDEX IF NOT EXISTS {{.IXKey}} ON {{.T}} (source_system, entity_type, {{.NK}})
    WHERE {{.NK}} IS NOT NULL;
