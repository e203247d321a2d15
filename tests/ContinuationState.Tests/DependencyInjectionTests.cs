using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests;

public sealed class DependencyInjectionTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AddContinuationState_WithAConnectionString_ResolvesAWorkingService()
    {
        var services = new ServiceCollection().AddLogging().AddContinuationState(o => o.ConnectionString = db.ConnectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var service = provider.GetRequiredService<IContinuationService>();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

        Assert.Same(provider.GetRequiredService<ContinuationService>(), service);
        Assert.NotNull(await service.ClaimStateAsync(conversation, "user-a"));
        Assert.Empty(await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync());
    }

    [Fact]
    public void AddContinuationState_ReusesARegisteredDataSource()
    {
        var services = new ServiceCollection().AddSingleton(db.DataSource).AddContinuationState();
        using var provider = services.BuildServiceProvider();

        Assert.Same(db.DataSource, provider.GetRequiredService<NpgsqlDataSource>());
        Assert.NotNull(provider.GetRequiredService<IContinuationService>());
    }

    [Fact]
    public void AddContinuationState_WithoutAnyDatabase_FailsWithAMessageSayingWhatToDo()
    {
        using var provider = new ServiceCollection().AddContinuationState().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IContinuationService>());

        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddContinuationState_InvalidOptions_FailValidationNamingEachSetting()
    {
        using var provider = new ServiceCollection()
            .AddContinuationState(o =>
            {
                o.Schema = "";
                o.DefaultTtl = TimeSpan.Zero;
                o.MaxReceiptOutcomeBytes = 0;
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ContinuationStateOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith("Schema", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("DefaultTtl", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("MaxReceiptOutcomeBytes", StringComparison.Ordinal));
    }

    [Fact]
    public void AddContinuationStateMaintenance_InvalidOptions_FailValidationNamingEachSetting()
    {
        using var provider = new ServiceCollection()
            .AddContinuationState(o => o.ConnectionString = "Host=localhost")
            .AddContinuationStateMaintenance(o =>
            {
                o.PurgeBatchSize = 0;
                o.PurgeBatchPause = o.Interval;
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ContinuationStateMaintenanceOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith("PurgeBatchSize", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("PurgeBatchPause", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repositories_ComposeIntoTheHostsOwnTransaction()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var conversation = await new ConversationsRepository(connection, transaction).CreateAsync("user-a");
        var states = new PendingToolStateRepository(connection, transaction);
        await states.SaveStateAsync(conversation.Id, "user-a", TestData.Snapshot());

        await transaction.RollbackAsync();

        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM conversations WHERE id = $1", conversation.Id));
    }
}
