using System.Reflection;
using ContinuationState;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace PackageConsumer;

/// <summary>
/// The packed library as a host meets it: registered with AddContinuationState, migrated with the scripts embedded in
/// the package, then save → claim → delete on a database of its own.
/// </summary>
public sealed class PackageConsumerTests : IAsyncLifetime
{
    private readonly ConsumerDatabase _database = new();
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        await _database.CreateAsync();
        _connectionString = _database.ConnectionString;
    }

    public Task DisposeAsync() => _database.DropAsync();

    [Fact]
    public void Library_IsThePackedVersion()
    {
        var expected = typeof(PackageConsumerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ContinuationStateVersion").Value;
        var actual = typeof(IContinuationService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        Assert.False(string.IsNullOrEmpty(expected));
        Assert.NotNull(actual);
        Assert.Equal(expected, actual.Split('+')[0]);
    }

    [Fact]
    public async Task Package_MigratesThenSavesClaimsAndDeletesState()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddContinuationState(options => options.ConnectionString = _connectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        // The migrations travel inside the package: every shipped script is applied on a fresh database.
        var applied = await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();
        Assert.NotEmpty(ContinuationStateMigrator.ShippedMigrations);
        Assert.Equal(ContinuationStateMigrator.ShippedMigrations, applied);

        var dataSource = provider.GetRequiredService<NpgsqlDataSource>();
        Guid conversationId;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            conversationId = (await new ConversationsRepository(connection).CreateAsync("consumer-user", "package consumer")).Id;
        }

        var continuations = provider.GetRequiredService<IContinuationService>();
        var id = conversationId.ToString();
        var snapshot = new ContinuationSnapshot(
            Messages: new[] { new { role = "user", content = "delete the staging bucket" } },
            PendingToolCalls: new[] { new { id = "call_1", name = "delete_bucket", arguments = new { bucket = "staging" } } },
            ToolsDict: new Dictionary<string, object> { ["delete_bucket"] = new { requires_approval = true } },
            ToolSchemas: Array.Empty<object>(),
            AgentConfig: new { model = "test-model" });

        await continuations.SaveStateAsync(id, "consumer-user", snapshot);

        var claimed = await continuations.ClaimStateAsync(id, "consumer-user");
        Assert.NotNull(claimed);
        Assert.Equal(PendingToolStateStatus.Resuming, claimed.Status);
        Assert.Equal("delete_bucket", claimed.PendingToolCalls[0].GetProperty("name").GetString());
        await Assert.ThrowsAsync<ResumeInProgressException>(() => continuations.ClaimStateAsync(id, "consumer-user"));

        Assert.True(await continuations.DeleteStateAsync(id, "consumer-user"));
        Assert.Null(await continuations.LoadStateAsync(id, "consumer-user"));

        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM pending_tool_state", connection))
        {
            Assert.Equal(0L, await count.ExecuteScalarAsync());
        }
    }
}
