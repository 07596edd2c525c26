-- session
SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON; SET ANSI_PADDING ON; SET ANSI_WARNINGS ON; SET ARITHABORT ON; SET CONCAT_NULL_YIELDS_NULL ON; SET NUMERIC_ROUNDABORT OFF; SET XACT_ABORT ON;

-- lockTimeout
SET LOCK_TIMEOUT 60000; SELECT @@SPID;

-- blockers
SELECT TOP (1) r.blocking_session_id, COALESCE(s.program_name, N''), COALESCE(s.login_name, N''), COALESCE(s.host_name, N''), r.wait_type
FROM sys.dm_exec_requests AS r LEFT JOIN sys.dm_exec_sessions AS s ON s.session_id = r.blocking_session_id
WHERE r.session_id = @p1 AND r.blocking_session_id > 0

-- ddl
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
IF SCHEMA_ID(N'lake') IS NULL EXEC(N'CREATE SCHEMA [lake]');
IF OBJECT_ID(N'[lake].[RawExchangeRecord]', N'U') IS NULL
BEGIN
    CREATE TABLE [lake].[RawExchangeRecord] (
        row_id          BIGINT IDENTITY(1,1) NOT NULL,
        exchange_id     UNIQUEIDENTIFIER NOT NULL,
        exchange_type   NVARCHAR(50)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        source_system   NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
        entity_type     NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [natural_key]     NVARCHAR(500) COLLATE Latin1_General_100_BIN2 NULL,
        observed_at_utc DATETIME2 NOT NULL,
        [content_sha256]  CHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
        payload_json    NVARCHAR(MAX) NOT NULL,
        schema_version  INT NOT NULL DEFAULT 1,
        created_at_utc  DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
        updated_at_utc  DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(),
        CONSTRAINT [PK_RawExchangeRecord] PRIMARY KEY NONCLUSTERED (exchange_id)
    );
    CREATE UNIQUE CLUSTERED INDEX [CX_RawExchangeRecord_RowId] ON [lake].[RawExchangeRecord] (row_id);
    CREATE UNIQUE INDEX [IX_RawExchangeRecord_ContentHash] ON [lake].[RawExchangeRecord] ([content_sha256]);
    CREATE UNIQUE INDEX [IX_RawExchangeRecord_NaturalKey] ON [lake].[RawExchangeRecord] (source_system, entity_type, [natural_key])
        WHERE [natural_key] IS NOT NULL;
END;

-- exists
SELECT CASE WHEN OBJECT_ID(N'[lake].[RawExchangeRecord]', N'U') IS NULL THEN 0 ELSE 1 END

-- applock
DECLARE @r int;
EXEC @r = sp_getapplock @Resource = N'xr:lake.RawExchangeRecord', @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @r = -3 THROW 51205, 'xr: the table''s load lock: chosen as deadlock victim', 1;
IF @r = -1 THROW 51222, 'xr: the table''s load lock: not granted within the lock timeout', 1;
IF @r < 0 THROW 51000, 'xr: could not take the table''s load lock (cancelled)', 1;

-- knownIDs
SELECT s.seq, t.source_system, t.entity_type, t.[natural_key], t.[content_sha256]
FROM #xr_load AS s JOIN [lake].[RawExchangeRecord] AS t WITH (UPDLOCK, HOLDLOCK) ON t.exchange_id = CAST(s.exchange_id AS UNIQUEIDENTIFIER)
WHERE NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.[content_sha256] = s.content_sha256)

-- temp
IF OBJECT_ID(N'tempdb..#xr_load') IS NULL
BEGIN
SELECT TOP (0) CAST(NULL AS CHAR(36)) AS exchange_id, t.exchange_type, t.source_system, t.entity_type,
    t.[natural_key] AS natural_key, t.observed_at_utc, t.[content_sha256] AS content_sha256, t.payload_json, t.schema_version,
    CAST(0 AS INT) AS seq
INTO #xr_load FROM [lake].[RawExchangeRecord] AS t;
END
ELSE TRUNCATE TABLE #xr_load;

-- refuse
DELETE FROM #xr_load WHERE seq = @p1

-- upsert
SET NOCOUNT ON;
DECLARE @upd int, @ins int;
UPDATE t SET
    t.exchange_id = CAST(s.exchange_id AS UNIQUEIDENTIFIER), t.exchange_type = s.exchange_type,
    t.observed_at_utc = s.observed_at_utc, t.[content_sha256] = s.content_sha256, t.payload_json = s.payload_json,
    t.schema_version = s.schema_version, t.updated_at_utc = SYSUTCDATETIME()
FROM [lake].[RawExchangeRecord] AS t WITH (UPDLOCK, HOLDLOCK)
JOIN #xr_load AS s
  ON t.source_system = s.source_system AND t.entity_type = s.entity_type AND t.[natural_key] = s.natural_key
WHERE s.natural_key IS NOT NULL AND t.[natural_key] IS NOT NULL AND t.[content_sha256] <> s.content_sha256;
SET @upd = @@ROWCOUNT;
INSERT INTO [lake].[RawExchangeRecord] (exchange_id, exchange_type, source_system, entity_type, [natural_key], observed_at_utc, [content_sha256], payload_json, schema_version)
SELECT CAST(s.exchange_id AS UNIQUEIDENTIFIER), s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM #xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.[content_sha256] = s.content_sha256)
  AND (s.natural_key IS NULL OR NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS k WITH (UPDLOCK, HOLDLOCK)
       WHERE k.[natural_key] IS NOT NULL AND k.source_system = s.source_system AND k.entity_type = s.entity_type AND k.[natural_key] = s.natural_key))
ORDER BY s.seq;
SET @ins = @@ROWCOUNT;
SELECT @ins, @upd;

-- upsertOlder
SET NOCOUNT ON;
DECLARE @upd int, @ins int;
UPDATE t SET
    t.exchange_id = CAST(s.exchange_id AS UNIQUEIDENTIFIER), t.exchange_type = s.exchange_type,
    t.observed_at_utc = s.observed_at_utc, t.[content_sha256] = s.content_sha256, t.payload_json = s.payload_json,
    t.schema_version = s.schema_version, t.updated_at_utc = SYSUTCDATETIME()
FROM [lake].[RawExchangeRecord] AS t WITH (UPDLOCK, HOLDLOCK)
JOIN #xr_load AS s
  ON t.source_system = s.source_system AND t.entity_type = s.entity_type AND t.[natural_key] = s.natural_key
WHERE s.natural_key IS NOT NULL AND t.[natural_key] IS NOT NULL AND t.[content_sha256] <> s.content_sha256
  AND (t.observed_at_utc IS NULL OR t.observed_at_utc <= s.observed_at_utc);
SET @upd = @@ROWCOUNT;
INSERT INTO [lake].[RawExchangeRecord] (exchange_id, exchange_type, source_system, entity_type, [natural_key], observed_at_utc, [content_sha256], payload_json, schema_version)
SELECT CAST(s.exchange_id AS UNIQUEIDENTIFIER), s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM #xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.[content_sha256] = s.content_sha256)
  AND (s.natural_key IS NULL OR NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS k WITH (UPDLOCK, HOLDLOCK)
       WHERE k.[natural_key] IS NOT NULL AND k.source_system = s.source_system AND k.entity_type = s.entity_type AND k.[natural_key] = s.natural_key))
ORDER BY s.seq;
SET @ins = @@ROWCOUNT;
SELECT @ins, @upd;

-- upsertNever
SET NOCOUNT ON;
DECLARE @upd int, @ins int;
SET @upd = 0;
INSERT INTO [lake].[RawExchangeRecord] (exchange_id, exchange_type, source_system, entity_type, [natural_key], observed_at_utc, [content_sha256], payload_json, schema_version)
SELECT CAST(s.exchange_id AS UNIQUEIDENTIFIER), s.exchange_type, s.source_system, s.entity_type, s.natural_key, s.observed_at_utc, s.content_sha256, s.payload_json, s.schema_version
FROM #xr_load AS s
WHERE NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.[content_sha256] = s.content_sha256)
  AND (s.natural_key IS NULL OR NOT EXISTS (SELECT 1 FROM [lake].[RawExchangeRecord] AS k WITH (UPDLOCK, HOLDLOCK)
       WHERE k.[natural_key] IS NOT NULL AND k.source_system = s.source_system AND k.entity_type = s.entity_type AND k.[natural_key] = s.natural_key))
ORDER BY s.seq;
SET @ins = @@ROWCOUNT;
SELECT @ins, @upd;

-- declined
SELECT s.seq, t.[content_sha256], t.observed_at_utc
FROM #xr_load AS s JOIN [lake].[RawExchangeRecord] AS t WITH (UPDLOCK, HOLDLOCK)
  ON t.source_system = s.source_system AND t.entity_type = s.entity_type AND t.[natural_key] = s.natural_key
WHERE s.natural_key IS NOT NULL AND t.[natural_key] IS NOT NULL AND t.[content_sha256] <> s.content_sha256
ORDER BY s.seq

-- limits
SELECT c.name, c.max_length FROM sys.columns AS c
WHERE c.object_id = OBJECT_ID(N'[lake].[RawExchangeRecord]', N'U') AND TYPE_NAME(c.system_type_id) IN (N'nvarchar', N'nchar')

-- hasRowID
SELECT CASE WHEN COL_LENGTH(N'[lake].[RawExchangeRecord]', N'row_id') IS NULL THEN 0 ELSE 1 END

-- dump
SELECT payload_json FROM [lake].[RawExchangeRecord]

-- index
SELECT [content_sha256], source_system, entity_type, [natural_key], LOWER(CONVERT(CHAR(36), exchange_id)), observed_at_utc, CASE WHEN LEFT(payload_json, 16) = N'{"exchange_id":"' THEN LEFT(payload_json, 53) ELSE payload_json END FROM [lake].[RawExchangeRecord]

