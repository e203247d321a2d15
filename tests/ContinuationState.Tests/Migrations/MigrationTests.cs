using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Migrations;

/// <summary>Each test migrates a fresh, empty database of its own.</summary>
public sealed class MigrationTests : IAsyncLifetime
{
    private string _database = "";
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateEmptyAsync();
        _dataSource = NpgsqlDataSource.Create(await TestServer.DataConnectionStringAsync(_database));
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task Migrate_EmptyDatabase_CreatesTheSchemaAndRecordsEachMigration()
    {
        var applied = await Migrator().MigrateAsync();

        Assert.Equal(ContinuationStateMigrator.ShippedMigrations, applied);
        Assert.Equal(
            ["agent_config", "claim_token", "client_tools", "conversation_id", "created_at", "expires_at", "id", "messages", "pending_tool_calls", "resume_id", "resumed_at", "status", "tool_schemas", "tools_dict", "user_id"],
            await ColumnsOf("pending_tool_state"));
        Assert.Equal(
            ["created_at", "id", "legacy_mongo_id", "name", "updated_at", "user_id"],
            await ColumnsOf("conversations"));
        Assert.Equal(
            ["conversations_legacy_mongo_id_uidx", "conversations_pkey", "pending_tool_state_conv_user_uidx", "pending_tool_state_expires_idx", "pending_tool_state_pkey", "pending_tool_state_resuming_ts_idx"],
            await IndexesAsync());
        Assert.Equal(
            ["checkpoint", "checkpoint_id", "created_at", "parent_checkpoint_id", "seq", "session_id", "user_id"],
            await ColumnsOf("workflow_checkpoints"));
        Assert.Equal(["created_at", "expires_at", "session_id", "user_id"], await ColumnsOf("workflow_sessions"));
        Assert.Equal(
            ["workflow_checkpoints_key_uidx", "workflow_checkpoints_order_idx", "workflow_checkpoints_pkey", "workflow_sessions_expires_idx", "workflow_sessions_pkey"],
            await IndexesAsync("workflow_checkpoints", "workflow_sessions"));
        Assert.Equal(
            ["agent_id", "created_at", "etag", "expires_at", "partitions", "session", "session_id", "updated_at", "user_id"],
            await ColumnsOf("agent_sessions"));
        Assert.Equal(["agent_sessions_expires_idx", "agent_sessions_pkey"], await IndexesAsync("agent_sessions"));
        Assert.Equal(applied.Count, await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM continuationstate_migrations"));
    }

    [Fact]
    public async Task Migrate_WorkflowCheckpoints_GoWithTheirSession()
    {
        await Migrator().MigrateAsync();
        await TestData.ExecuteAsync(_dataSource, "INSERT INTO workflow_sessions (user_id, session_id, expires_at) VALUES ('u', 's', now() + interval '1 hour')");
        await TestData.ExecuteAsync(_dataSource, "INSERT INTO workflow_checkpoints (user_id, session_id, checkpoint_id, checkpoint) VALUES ('u', 's', 'c1', '{\"$type\":\"x\",\"b\":1}')");

        // json keeps the text as written, "$type" first (jsonb sorts keys by length and would put "b" first); a
        // checkpoint without its session is refused, and one id is used once per session.
        Assert.Equal("{\"$type\":\"x\",\"b\":1}", await TestData.ScalarAsync<string>(_dataSource, "SELECT checkpoint::text FROM workflow_checkpoints"));
        Assert.Equal("{\"b\": 1, \"$type\": \"x\"}", await TestData.ScalarAsync<string>(_dataSource, "SELECT checkpoint::jsonb::text FROM workflow_checkpoints"));
        var orphan = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(
            _dataSource, "INSERT INTO workflow_checkpoints (user_id, session_id, checkpoint_id, checkpoint) VALUES ('u', 'other', 'c2', '{}')"));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, orphan.SqlState);
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(
            _dataSource, "INSERT INTO workflow_checkpoints (user_id, session_id, checkpoint_id, checkpoint) VALUES ('u', 's', 'c1', '{}')"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);

        await TestData.ExecuteAsync(_dataSource, "DELETE FROM workflow_sessions");
        Assert.Equal(0, await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM workflow_checkpoints"));
    }

    [Fact]
    public async Task Migrate_AgentSessions_KeyOnPartitionsInAnyOrder_AndKeepTheSessionText()
    {
        await Migrator().MigrateAsync();
        await TestData.ExecuteAsync(_dataSource, """
            INSERT INTO agent_sessions (user_id, agent_id, session_id, partitions, session, etag, expires_at)
            VALUES ('u', 'a', 's', '{"tenant":"t","region":"eu"}', '{"$type":"x","b":1}', gen_random_uuid(), now() + interval '1 hour')
            """);

        // The same partitions written in another order are the same key; the session text keeps "$type" first.
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(_dataSource, """
            INSERT INTO agent_sessions (user_id, agent_id, session_id, partitions, session, etag, expires_at)
            VALUES ('u', 'a', 's', '{"region":"eu","tenant":"t"}', '{}', gen_random_uuid(), now() + interval '1 hour')
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        Assert.Equal("{\"$type\":\"x\",\"b\":1}", await TestData.ScalarAsync<string>(_dataSource, "SELECT session::text FROM agent_sessions"));
        var notAnObject = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(_dataSource, """
            INSERT INTO agent_sessions (user_id, agent_id, session_id, partitions, session, etag, expires_at)
            VALUES ('u', 'a', 's2', '[]', '{}', gen_random_uuid(), now() + interval '1 hour')
            """));
        Assert.Equal(PostgresErrorCodes.CheckViolation, notAnObject.SqlState);
    }

    [Fact]
    public async Task Migrate_Twice_AppliesNothingTheSecondTime()
    {
        await Migrator().MigrateAsync();

        Assert.Empty(await Migrator().MigrateAsync());
    }

    [Fact]
    public async Task Migrate_StatusCheck_RejectsUnknownStatuses()
    {
        await Migrator().MigrateAsync();
        var conversation = await TestData.CreateConversationAsync(_dataSource);

        var error = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(
            _dataSource,
            "INSERT INTO pending_tool_state (conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, expires_at, status) VALUES ($1, 'u', '[]', '[]', '{}', '[]', '{}', now(), 'done')",
            conversation));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    public async Task Migrate_DatabaseWithDocsGptTables_KeepsThemAndAddsOnlyWhatIsMissing()
    {
        await CreateDocsGptTablesBeforeDurabilityAsync();
        var conversation = Guid.NewGuid();
        await TestData.ExecuteAsync(_dataSource, "INSERT INTO users (user_id) VALUES ('docs-user')");
        await TestData.ExecuteAsync(_dataSource, "INSERT INTO conversations (id, user_id, legacy_mongo_id) VALUES ($1, 'docs-user', '0123456789abcdef01234567')", conversation);
        await TestData.ExecuteAsync(_dataSource, """
            INSERT INTO pending_tool_state (conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, expires_at)
            VALUES ($1, 'docs-user', '[{"role":"user","content":"from python"}]', '[]', '{}', '[]', '{}', now() + interval '1 hour')
            """, conversation);

        await Migrator().MigrateAsync();

        // DocsGPT's own columns survive, and its row is now visible to the .NET service.
        Assert.Contains("agent_id", await ColumnsOf("conversations"));
        Assert.Contains("status", await ColumnsOf("pending_tool_state"));
        var service = new ContinuationService(_dataSource, Options.Create(new ContinuationStateOptions()));
        var state = await service.LoadStateAsync("0123456789abcdef01234567", "docs-user");
        Assert.NotNull(state);
        Assert.Equal("from python", state.Messages[0].GetProperty("content").GetString());
        Assert.NotNull(await service.ClaimStateAsync(conversation.ToString(), "docs-user"));
        Assert.Contains("pending_tool_state_resuming_ts_idx", await IndexesAsync());
    }

    [Fact]
    public async Task Migrate_DatabaseWithCurrentDocsGptTables_Succeeds()
    {
        await CreateDocsGptTablesBeforeDurabilityAsync();
        await TestData.ExecuteAsync(_dataSource, """
            ALTER TABLE pending_tool_state
                ADD COLUMN status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resuming')),
                ADD COLUMN resumed_at TIMESTAMPTZ;
            CREATE INDEX pending_tool_state_resuming_ts_idx ON pending_tool_state (resumed_at) WHERE status = 'resuming';
            """);

        Assert.Equal(ContinuationStateMigrator.ShippedMigrations, await Migrator().MigrateAsync());

        var checks = await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'pending_tool_state'::regclass AND contype = 'c'");
        Assert.Equal(1, checks);
    }

    [Fact]
    public async Task Migrate_ManyHostsAtOnce_AppliesEachMigrationOnce()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Migrator().MigrateAsync())));

        Assert.Single(results, r => r.Count > 0);
        Assert.Equal(ContinuationStateMigrator.ShippedMigrations.Count, await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM continuationstate_migrations"));
    }

    [Fact]
    public async Task Migrate_EditedAppliedMigration_IsReportedAndNotRerun()
    {
        await Migrator().MigrateAsync();
        await TestData.ExecuteAsync(_dataSource, "UPDATE continuationstate_migrations SET checksum = 'edited' WHERE name = $1", ContinuationStateMigrator.ShippedMigrations[0]);
        await TestData.ExecuteAsync(_dataSource, "DELETE FROM continuationstate_migrations WHERE name = $1", ContinuationStateMigrator.ShippedMigrations[^1]);

        var error = await Assert.ThrowsAsync<MigrationChecksumMismatchException>(() => Migrator().MigrateAsync());

        Assert.Equal(ContinuationStateMigrator.ShippedMigrations[0], error.Migration);
        Assert.Equal("edited", error.RecordedChecksum);
        // The whole run rolled back: the later, unrecorded migration was not recorded either.
        Assert.Equal(ContinuationStateMigrator.ShippedMigrations.Count - 1, await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM continuationstate_migrations"));
    }

    [Fact]
    public async Task Migrate_CustomSchema_CreatesTablesThereAndTheServiceUsesThem()
    {
        var options = new ContinuationStateOptions { Schema = "Agent State" };

        await new ContinuationStateMigrator(_dataSource, Options.Create(options)).MigrateAsync();

        Assert.Equal(0, await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'pending_tool_state'"));
        Assert.Equal(1, await TestData.ScalarAsync<long>(_dataSource, "SELECT count(*) FROM pg_tables WHERE schemaname = 'Agent State' AND tablename = 'pending_tool_state'"));
        await using var connection = await _dataSource.OpenConnectionAsync();
        var conversation = await new ConversationsRepository(connection, null, options).CreateAsync("user-a");
        var service = new ContinuationService(_dataSource, Options.Create(options));
        await service.SaveStateAsync(conversation.Id.ToString(), "user-a", TestData.Snapshot());
        Assert.NotNull(await service.ClaimStateAsync(conversation.Id.ToString(), "user-a"));
    }

    private ContinuationStateMigrator Migrator() => new(_dataSource, Options.Create(new ContinuationStateOptions()));

    private async Task<List<string>> ColumnsOf(string table)
    {
        await using var command = _dataSource.CreateCommand("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY 1");
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        return await ReadStrings(command);
    }

    private Task<List<string>> IndexesAsync() => IndexesAsync("conversations", "pending_tool_state");

    private async Task<List<string>> IndexesAsync(params string[] tables)
    {
        await using var command = _dataSource.CreateCommand("SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY 1");
        command.Parameters.Add(new NpgsqlParameter { Value = tables });
        return await ReadStrings(command);
    }

    private static async Task<List<string>> ReadStrings(NpgsqlCommand command)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>DocsGPT's tables as its 0001_initial migration creates them, trimmed to what touches ours.</summary>
    private Task CreateDocsGptTablesBeforeDurabilityAsync() => TestData.ExecuteAsync(_dataSource, """
        CREATE TABLE users (user_id TEXT PRIMARY KEY);
        CREATE TABLE agents (id UUID PRIMARY KEY DEFAULT gen_random_uuid());
        CREATE TABLE conversations (
            id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id              TEXT NOT NULL,
            agent_id             UUID REFERENCES agents(id) ON DELETE SET NULL,
            name                 TEXT,
            api_key              TEXT,
            is_shared_usage      BOOLEAN NOT NULL DEFAULT false,
            shared_token         TEXT,
            date                 TIMESTAMPTZ NOT NULL DEFAULT now(),
            created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
            shared_with          TEXT[] NOT NULL DEFAULT '{}'::text[],
            compression_metadata JSONB,
            legacy_mongo_id      TEXT,
            CONSTRAINT conversations_api_key_nonempty_chk CHECK (api_key IS NULL OR api_key <> '')
        );
        CREATE UNIQUE INDEX conversations_legacy_mongo_id_uidx ON conversations (legacy_mongo_id) WHERE legacy_mongo_id IS NOT NULL;
        CREATE TABLE pending_tool_state (
            id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            conversation_id    UUID NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            user_id            TEXT NOT NULL,
            messages           JSONB NOT NULL,
            pending_tool_calls JSONB NOT NULL,
            tools_dict         JSONB NOT NULL,
            tool_schemas       JSONB NOT NULL,
            agent_config       JSONB NOT NULL,
            client_tools       JSONB,
            created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
            expires_at         TIMESTAMPTZ NOT NULL
        );
        CREATE UNIQUE INDEX pending_tool_state_conv_user_uidx ON pending_tool_state (conversation_id, user_id);
        CREATE INDEX pending_tool_state_expires_idx ON pending_tool_state (expires_at);
        ALTER TABLE pending_tool_state ADD CONSTRAINT pending_tool_state_user_id_fk
            FOREIGN KEY (user_id) REFERENCES users(user_id) ON DELETE RESTRICT DEFERRABLE INITIALLY IMMEDIATE;
        """);
}
