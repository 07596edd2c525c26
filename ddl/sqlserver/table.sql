-- xr SQL mirror table, SQL Server.
-- Layout: clustered on a sequential surrogate (row_id IDENTITY), so bulk
-- inserts append at the end of the table instead of splitting pages as a
-- clustered random-GUID key would; exchange_id stays the PRIMARY KEY,
-- NONCLUSTERED. The spec's constraints are kept: unique content hash, and
-- the natural-key index (unique here: one current record per key).
-- Text keys use a binary collation so 'Page' <> 'page' and NFC <> NFD, as
-- in the JSON pack. The natural-key index key is up to 1400 bytes (SQL
-- Server 2016 or later: 1700 for a nonclustered index).
-- A filtered index needs these options when it is created and in every
-- session that writes to the table (sqlcmd without -I has QUOTED_IDENTIFIER
-- OFF: error 1934); xr-sqlload sets them on its connection.
SET ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL, QUOTED_IDENTIFIER ON;
SET NUMERIC_ROUNDABORT OFF;
IF SCHEMA_ID(N'{{.SchemaName}}') IS NULL EXEC(N'CREATE SCHEMA {{.Schema}}');
IF OBJECT_ID(N'{{.T}}', N'U') IS NULL
BEGIN
    CREATE TABLE {{.T}} (
        row_id          BIGINT IDENTITY(1,1) NOT NULL,
        exchange_id     UNIQUEIDENTIFIER NOT NULL,
        exchange_type   NVARCHAR(50)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        source_system   NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
        entity_type     NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
        {{.NK}}     NVARCHAR(500) COLLATE Latin1_General_100_BIN2 NULL,
        observed_at_utc DATETIME2 NOT NULL,
        {{.Hash}}  CHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
        payload_json    NVARCHAR(MAX) NOT NULL,
        schema_version  INT NOT NULL DEFAULT 1,
        created_at_utc  DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
        updated_at_utc  DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
        CONSTRAINT {{.PK}} PRIMARY KEY NONCLUSTERED (exchange_id)
    );
    CREATE UNIQUE CLUSTERED INDEX {{.CX}} ON {{.T}} (row_id);
    CREATE UNIQUE INDEX {{.IXHash}} ON {{.T}} ({{.Hash}});
    CREATE UNIQUE INDEX {{.IXKey}} ON {{.T}} (source_system, entity_type, {{.NK}})
        WHERE {{.NK}} IS NOT NULL;
END;
