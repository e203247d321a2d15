using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>
/// Creates a fresh database per test class: an empty one, or a clone of a template migrated once per run.
/// CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template, so the template's pool is
/// cleared after migrating and clones are made one at a time.
/// </summary>
internal static class TestDatabases
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..10];
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);
    private static int _counter;

    public static async Task<string> CreateMigratedAsync()
    {
        var template = await Template.Value;
        return await CreateAsync($"TEMPLATE {template}");
    }

    public static Task<string> CreateEmptyAsync() => CreateAsync(null);

    public static async Task DropAsync(string database)
    {
        var admin = await TestServer.GetAdminConnectionStringAsync();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> CreateAsync(string? template)
    {
        var admin = await TestServer.GetAdminConnectionStringAsync();
        var name = $"cs_test_{RunId}_{Interlocked.Increment(ref _counter)}";
        await CreateLock.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name} {template}", connection);
            await command.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }

        return name;
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var name = await CreateEmptyAsync();
        var admin = await TestServer.GetAdminConnectionStringAsync();
        var connectionString = TestServer.ForDatabase(admin, name);
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new ContinuationStateMigrator(dataSource, Options.Create(new ContinuationStateOptions())).MigrateAsync();
        }

        // Pooled connections to the template would make every clone fail.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DropAsync(name).GetAwaiter().GetResult();
        return name;
    }
}
