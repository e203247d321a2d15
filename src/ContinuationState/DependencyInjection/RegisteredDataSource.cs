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

    /// <summary>
    /// Builds a store (workflow checkpoints, agent sessions) as <see cref="ContinuationService"/> is built: on the
    /// library's prepared data source when the library built the one <see cref="Resolve"/> finds, else on that one.
    /// </summary>
    public static TStore CreateStore<TStore>(
        IServiceProvider provider,
        Func<Func<CancellationToken, ValueTask<NpgsqlConnection>>, IOptions<ContinuationStateOptions>, TStore> onOwn,
        Func<NpgsqlDataSource, IOptions<ContinuationStateOptions>, TStore> onRegistered)
    {
        var dataSource = Resolve(provider);
        var options = provider.GetRequiredService<IOptions<ContinuationStateOptions>>();
        var own = provider.GetRequiredService<LibraryDataSources>();
        return own.Owns(dataSource) ? onOwn(own.OpenConnectionAsync, options) : onRegistered(dataSource, options);
    }

    /// <summary>
    /// The connections of a store built on a host's <paramref name="dataSource"/>; a null one is refused here, as the
    /// store constructor's <c>dataSource</c> argument.
    /// </summary>
    public static Func<CancellationToken, ValueTask<NpgsqlConnection>> OpenFrom(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return dataSource.OpenConnectionAsync;
    }
}
