using Npgsql;
using Testcontainers.PostgreSql;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>
/// Finds the PostgreSQL server the tests run on: CONTINUATIONSTATE_TEST_CONNECTION (a role that may create
/// databases) when set, else a Testcontainers server where a Docker engine runs, else a message naming ./build.sh test.
/// </summary>
internal static class TestServer
{
    public const string ConnectionVariable = "CONTINUATIONSTATE_TEST_CONNECTION";

    /// <summary>Set by ./build.sh for its second pass: PgBouncer in transaction-pooling mode in front of the server.</summary>
    public const string PoolerVariable = "CONTINUATIONSTATE_TEST_POOLER_CONNECTION";

    private static readonly Lazy<Task<string>> AdminConnectionString = new(ResolveAsync);
    private static PostgreSqlContainer? _container;

    public static Task<string> GetAdminConnectionStringAsync() => AdminConnectionString.Value;

    /// <summary>True in the pooler pass: test data sources then connect through PgBouncer.</summary>
    public static bool IsPooled => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PoolerVariable));

    public static string ForDatabase(string adminConnectionString, string database)
        => new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// Where a test's own operations connect: through the pooler in the pooler pass, else straight to the server.
    /// Creating and dropping databases always goes straight to the server.
    /// </summary>
    public static async Task<string> DataConnectionStringAsync(string database)
        => ForDatabase(IsPooled ? Environment.GetEnvironmentVariable(PoolerVariable)! : await GetAdminConnectionStringAsync(), database);

    private static async Task<string> ResolveAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        try
        {
            _container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await _container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return _container.GetConnectionString();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL server for the tests: {ConnectionVariable} is not set and Testcontainers could not start one ({e.GetType().Name}: {e.Message}). " +
                "Run the tests with ./build.sh test, which starts a throwaway server, or set " + ConnectionVariable + ".",
                e);
        }
    }
}
