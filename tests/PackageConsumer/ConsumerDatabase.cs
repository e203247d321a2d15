using Npgsql;

namespace PackageConsumer;

/// <summary>A database of the consumer test's own on the server CONTINUATIONSTATE_TEST_CONNECTION names, dropped after.</summary>
internal sealed class ConsumerDatabase
{
    private readonly string _adminConnectionString;
    private readonly string _name = $"continuationstate_consumer_{Guid.NewGuid():N}";

    public ConsumerDatabase()
    {
        _adminConnectionString = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_CONNECTION") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "CONTINUATIONSTATE_TEST_CONNECTION is not set: run ./build.sh test, which starts a throwaway PostgreSQL and packs the library.");
    }

    public string ConnectionString { get; private set; } = "";

    public async Task CreateAsync()
    {
        await using (var admin = new NpgsqlConnection(_adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = _name, Pooling = false }.ConnectionString;
    }

    public async Task DropAsync()
    {
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
