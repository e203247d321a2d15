using System.Collections.Concurrent;
using ContinuationState.Internal;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContinuationState.Tests.DataSources;

/// <summary>
/// The library's own data source behind PgBouncer in transaction pooling (1.18: no prepared-statement support). Runs in
/// the pooler pass of ./build.sh test, or wherever CONTINUATIONSTATE_TEST_POOLER_CONNECTION names a PgBouncer;
/// skipped otherwise.
/// </summary>
public sealed class PoolerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const int Workers = 8;
    private const int Rounds = 15;

    /// <summary>
    /// A host that upgrades and sets nothing: every operation succeeds with the right answer, one warning names the
    /// option, and the statements are no longer prepared. Concurrent workers put several server connections in play,
    /// where a statement prepared on one would be bound on another.
    /// </summary>
    [SkippableFact]
    public async Task BehindPgBouncer_AHostThatSetNothing_SeesNoFailureAndOneWarningNamingTheOption()
    {
        Skip.IfNot(TestServer.IsPooled, "Needs PgBouncer: the pooler pass of ./build.sh test.");
        var logs = new CapturingLoggerProvider();
        await using var provider = LibraryDataSourceTests.Provider(o => o.ConnectionString = db.ConnectionString, logs);
        var service = provider.GetRequiredService<IContinuationService>();

        await RunWorkersAsync(service);

        Assert.True(provider.GetRequiredService<LibraryDataSources>().PoolerFound);
        Assert.False(provider.GetRequiredService<LibraryDataSources>().Prepares);
        var warning = Assert.Single(logs.Entries, e => e.EventId == ContinuationStateEventIds.ConnectionPoolerFound);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("ContinuationStateOptions.ConnectionPooler", warning.Message, StringComparison.Ordinal);

        // The check's session settings (generic plans, lz4) are made only on a backend the connection started itself: nothing of it may
        // reach PgBouncer's server connections, which every other client shares. Each open transaction holds one of
        // them, so these look at as many server connections as the workers used (and PgBouncer's pool allows 40).
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 2 * Workers; i++)
            {
                var connection = await db.DataSource.OpenConnectionAsync();
                connections.Add(connection);
                await using var begin = new NpgsqlCommand("BEGIN", connection);
                await begin.ExecuteNonQueryAsync();
                Assert.Equal("auto", await LibraryDataSourceTests.PlanCacheModeAsync(connection));
                Assert.Equal("pglz", await LibraryDataSourceTests.ToastCompressionAsync(connection));
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>A host that named the pooler: no check, no warning, nothing prepared.</summary>
    [SkippableFact]
    public async Task BehindPgBouncer_ConnectionPoolerTransaction_WorksWithoutAWarning()
    {
        Skip.IfNot(TestServer.IsPooled, "Needs PgBouncer: the pooler pass of ./build.sh test.");
        var logs = new CapturingLoggerProvider();
        await using var provider = LibraryDataSourceTests.Provider(
            o =>
            {
                o.ConnectionString = db.ConnectionString;
                o.ConnectionPooler = ConnectionPooler.Transaction;
            },
            logs);

        await RunWorkersAsync(provider.GetRequiredService<IContinuationService>());

        Assert.False(provider.GetRequiredService<LibraryDataSources>().PoolerFound);
        Assert.False(provider.GetRequiredService<LibraryDataSources>().Prepares);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == ContinuationStateEventIds.ConnectionPoolerFound);
    }

    /// <summary>
    /// A data source the host registered, through PgBouncer: the first connection's check finds the pooler before
    /// anything is prepared, so nothing ever is (with 1.18 a statement prepared on one server connection and bound on
    /// another fails or, worse, runs another statement), every answer is right, and one warning names the option.
    /// </summary>
    [SkippableFact]
    public async Task BehindPgBouncer_AHostRegisteredDataSource_NeverPrepares()
    {
        Skip.IfNot(TestServer.IsPooled, "Needs PgBouncer: the pooler pass of ./build.sh test.");
        var logs = new CapturingLoggerProvider();
        await using var hostSource = NpgsqlDataSource.Create(db.ConnectionString);
        await using var provider = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs))
            .AddSingleton(hostSource)
            .AddContinuationState()
            .BuildServiceProvider();
        var service = provider.GetRequiredService<ContinuationService>();

        await RunWorkersAsync(service);

        var preparation = service.Preparation!;
        Assert.True(preparation.PoolerFound);
        Assert.False(preparation.Prepares);
        Assert.Equal(0, preparation.DirectConnectionsKnown);
        var warning = Assert.Single(logs.Entries, e => e.EventId == ContinuationStateEventIds.ConnectionPoolerFound);
        Assert.Contains("ContinuationStateOptions.ConnectionPooler", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each worker saves, loads, claims, releases, loads and deletes its own state, checking every answer: a statement
    /// bound to another statement's name would load someone else's shape, delete on a load, or miss a row.
    /// </summary>
    private async Task RunWorkersAsync(IContinuationService service)
    {
        var conversations = new List<string>();
        for (var i = 0; i < Workers; i++)
        {
            conversations.Add((await TestData.CreateConversationAsync(db.DataSource)).ToString());
        }

        await Task.WhenAll(conversations.Select((conversation, worker) => Task.Run(async () =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                var marker = $"worker {worker} round {round}";
                await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(marker));
                Assert.Equal(marker, Content(await service.LoadStateAsync(conversation, "user-a")));
                Assert.Equal(marker, Content(await service.ClaimStateAsync(conversation, "user-a")));
                Assert.True(await service.ReleaseClaimAsync(conversation, "user-a"));
                Assert.Equal(marker, Content(await service.LoadStateAsync(conversation, "user-a")));
                Assert.True(await service.DeleteStateAsync(conversation, "user-a"));
                Assert.Null(await service.LoadStateAsync(conversation, "user-a"));
            }
        })));
    }

    private static string? Content(PendingToolState? state)
        => Assert.IsType<PendingToolState>(state).Messages[0].GetProperty("content").GetString();

    internal sealed record LogEntry(int EventId, LogLevel Level, string Message);

    /// <summary>Keeps every log line written through it.</summary>
    internal sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => entries.Enqueue(new LogEntry(eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
