using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI.Workflows;
using Npgsql;

namespace ContinuationState.Tests.Workflows;

/// <summary>
/// The store under the real Agent Framework 1.28 runtime: a workflow paused for approval on one store instance (its
/// own data source, as another replica would have) resumes on another to the output of an uninterrupted run.
/// </summary>
public sealed class WorkflowResumeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task PausedWorkflow_ResumesOnAnotherStoreInstance_WithTheFrameworksDefaultOptions()
    {
        var workflow = new ApprovalWorkflow();
        var expected = await workflow.RunUninterruptedAsync("ship release 1.2", "approved");
        var stepRunsBefore = workflow.StepRuns;

        ApprovalWorkflow.Paused paused;
        await using (var first = NpgsqlDataSource.Create(db.ConnectionString))
        {
            paused = await workflow.RunToPauseAsync(CheckpointManager.CreateJson(new PostgresCheckpointStore(first, "user-a")), "ship release 1.2");
        }

        Assert.Equal(RunStatus.PendingRequests, paused.Status);
        Assert.Equal("ship release 1.2", paused.Request.Data.As<string>());
        Assert.Equal(stepRunsBefore, workflow.StepRuns);
        Assert.True(await CheckpointCountAsync(paused.SessionId) > 0);

        await using var second = NpgsqlDataSource.Create(db.ConnectionString);
        var manager = CheckpointManager.CreateJson(new PostgresCheckpointStore(second, "user-a"));
        var latest = await manager.GetLatestCheckpointAsync(paused.SessionId);
        Assert.NotNull(latest);
        var output = await workflow.ResumeAsync(manager, latest, "approved", paused.Request.RequestId);

        Assert.Equal(expected, output);
        Assert.Equal(stepRunsBefore + 1, workflow.StepRuns);
    }

    [Fact]
    public async Task PausedWorkflow_ResumesWithAHostsOwnSerializerOptions()
    {
        var hostOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var workflow = new ApprovalWorkflow();
        var expected = await workflow.RunUninterruptedAsync("rotate keys", "yes");

        ApprovalWorkflow.Paused paused;
        await using (var first = NpgsqlDataSource.Create(db.ConnectionString))
        {
            paused = await workflow.RunToPauseAsync(CheckpointManager.CreateJson(new PostgresCheckpointStore(first, "user-b"), hostOptions), "rotate keys");
        }

        await using var second = NpgsqlDataSource.Create(db.ConnectionString);
        var manager = CheckpointManager.CreateJson(new PostgresCheckpointStore(second, "user-b"), hostOptions);
        var output = await workflow.ResumeAsync(manager, (await manager.GetLatestCheckpointAsync(paused.SessionId))!, "yes", paused.Request.RequestId);

        Assert.Equal(expected, output);
    }

    [Fact]
    public async Task StoredCheckpoint_KeepsTheFrameworksKeyOrder_WhichJsonbWouldNot()
    {
        var workflow = new ApprovalWorkflow();
        var store = new PostgresCheckpointStore(db.DataSource, "user-c");
        var paused = await workflow.RunToPauseAsync(CheckpointManager.CreateJson(store), "check order");
        var latest = (await store.GetLatestCheckpointAsync(paused.SessionId))!;

        // The framework puts "$type" first and reads it back only there (agent-framework#2962); jsonb sorts keys by
        // length, then bytes, which moves it. The column keeps the text, so the store hands back what was written.
        var stored = await TestData.ScalarAsync<string>(db.DataSource, "SELECT checkpoint::text FROM workflow_checkpoints WHERE checkpoint_id = $1", latest.CheckpointId);
        var asJsonb = await TestData.ScalarAsync<string>(db.DataSource, "SELECT checkpoint::jsonb::text FROM workflow_checkpoints WHERE checkpoint_id = $1", latest.CheckpointId);
        Assert.NotNull(stored);
        Assert.Contains("\"$type\"", stored, StringComparison.Ordinal);
        Assert.NotEqual(stored, asJsonb!.Replace(": ", ":", StringComparison.Ordinal).Replace(", ", ",", StringComparison.Ordinal));
        Assert.Equal(stored, (await store.RetrieveCheckpointAsync(paused.SessionId, latest)).GetRawText());
        Assert.Equal("json", await TestData.ScalarAsync<string>(db.DataSource, "SELECT data_type::text FROM information_schema.columns WHERE table_name = 'workflow_checkpoints' AND column_name = 'checkpoint'"));
    }

    [Fact]
    public async Task ACheckpointNeedingNoPolicy_IsStoredAsTheFrameworkWroteIt_EscapesAndSpacingIncluded()
    {
        // The framework's default encoder escapes non-ASCII and backticks; the store keeps its text, not a rewrite.
        const string Written = """{"$type":"Checkpoint","text":"caf\u00e9 \u0060q\u0060","n":1.50, "e":1E+300}""";
        var store = new PostgresCheckpointStore(db.DataSource, "user-e");

        var key = await store.CreateCheckpointAsync("session-escapes", JsonDocument.Parse(Written).RootElement);

        Assert.Equal(Written, await TestData.ScalarAsync<string>(db.DataSource, "SELECT checkpoint::text FROM workflow_checkpoints WHERE checkpoint_id = $1", key.CheckpointId));
        Assert.Equal(Written, (await store.RetrieveCheckpointAsync("session-escapes", key)).GetRawText());
    }

    [Fact]
    public async Task TheSameCheckpoint_ReadBackThroughJsonb_WouldNotResumeWithDefaultOptions()
    {
        // The "before": what a jsonb column would have handed the framework (agent-framework#2962).
        var workflow = new ApprovalWorkflow();
        var store = new PostgresCheckpointStore(db.DataSource, "user-d");
        var paused = await workflow.RunToPauseAsync(CheckpointManager.CreateJson(store), "through jsonb");
        var manager = CheckpointManager.CreateJson(new JsonbReorderingStore(store, db.DataSource));
        var latest = (await manager.GetLatestCheckpointAsync(paused.SessionId))!;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => workflow.ResumeAsync(manager, latest, "yes"));

        Assert.Contains("metadata property", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("sent after 'yes'", await workflow.ResumeAsync(CheckpointManager.CreateJson(store), latest, "yes"));
    }

    [Fact]
    public async Task PausedWorkflow_OfAnotherUser_HasNoCheckpointToResume()
    {
        var workflow = new ApprovalWorkflow();
        var paused = await workflow.RunToPauseAsync(CheckpointManager.CreateJson(new PostgresCheckpointStore(db.DataSource, "owner")), "private");

        var intruder = CheckpointManager.CreateJson(new PostgresCheckpointStore(db.DataSource, "intruder"));

        Assert.Null(await intruder.GetLatestCheckpointAsync(paused.SessionId));
    }

    private Task<long> CheckpointCountAsync(string sessionId)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", sessionId);

    /// <summary>Reads each checkpoint as PostgreSQL jsonb would return it: keys reordered.</summary>
    private sealed class JsonbReorderingStore(PostgresCheckpointStore inner, NpgsqlDataSource dataSource) : Microsoft.Agents.AI.Workflows.Checkpointing.JsonCheckpointStore
    {
        public override ValueTask<CheckpointInfo> CreateCheckpointAsync(string sessionId, JsonElement value, CheckpointInfo? parent = null)
            => inner.CreateCheckpointAsync(sessionId, value, parent);

        public override async ValueTask<JsonElement> RetrieveCheckpointAsync(string sessionId, CheckpointInfo key)
        {
            var text = await TestData.ScalarAsync<string>(dataSource, "SELECT checkpoint::jsonb::text FROM workflow_checkpoints WHERE checkpoint_id = $1", key.CheckpointId);
            return JsonElement.Parse(text!);
        }

        public override ValueTask<IEnumerable<CheckpointInfo>> RetrieveIndexAsync(string sessionId, CheckpointInfo? withParent = null)
            => inner.RetrieveIndexAsync(sessionId, withParent);
    }
}
