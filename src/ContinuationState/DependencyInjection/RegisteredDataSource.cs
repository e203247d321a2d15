using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// The one place the library's registrations resolve their <see cref="NpgsqlDataSource"/>: the keyed one
/// <see cref="ContinuationStateOptions.DataSourceKey"/> names, else the unkeyed one (the host's, or the library's own
/// built from the connection string).
/// </summary>
internal static class RegisteredDataSource
{
    public static NpgsqlDataSource Resolve(IServiceProvider provider)
    {
        var key = provider.GetRequiredService<IOptions<ContinuationStateOptions>>().Value.DataSourceKey;
        if (key is null)
        {
            return provider.GetRequiredService<NpgsqlDataSource>();
        }

        return provider.GetKeyedService<NpgsqlDataSource>(key)
            ?? throw new InvalidOperationException(
                $"ContinuationStateOptions.DataSourceKey is '{key}', but no NpgsqlDataSource is registered with that key: register one with AddNpgsqlDataSource(connectionString, serviceKey: \"{key}\") (or Aspire's AddKeyedNpgsqlDataSource(\"{key}\")), or leave DataSourceKey null to use the unkeyed one.");
    }
}
