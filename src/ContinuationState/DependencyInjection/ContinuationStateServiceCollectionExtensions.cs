using ContinuationState;
using ContinuationState.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ContinuationState in a service collection.</summary>
public static class ContinuationStateServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IContinuationService"/>, <see cref="ContinuationService"/>,
    /// <see cref="ContinuationStateMigrator"/> and validated <see cref="ContinuationStateOptions"/> as singletons. An
    /// <see cref="NpgsqlDataSource"/> already registered (the keyed one <see cref="ContinuationStateOptions.DataSourceKey"/>
    /// names, else the unkeyed one) is used as the host built it, and the service prepares its own statements on it
    /// explicitly (see <see cref="ContinuationStateOptions.PrepareOnRegisteredDataSource"/>); otherwise one is built from
    /// <see cref="ContinuationStateOptions.ConnectionString"/> and registered, and the service runs its statements on
    /// a second one from the same string that prepares them and skips the reset on close (see
    /// <see cref="ContinuationStateOptions.ConnectionPooler"/>). Options are validated at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddContinuationState(this IServiceCollection services, Action<ContinuationStateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<ContinuationStateOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ContinuationStateOptions>, ContinuationStateOptionsValidator>());

        // Built lazily: a host that registers its own NpgsqlDataSource and sets no connection string never needs it.
        services.TryAddSingleton(static provider => new LibraryDataSources(
            provider.GetRequiredService<IOptions<ContinuationStateOptions>>().Value,
            provider.GetService<ILoggerFactory>()?.CreateLogger<ContinuationService>()));
        services.TryAddSingleton(static provider => provider.GetRequiredService<LibraryDataSources>().Shared);
        services.TryAddSingleton(static provider =>
        {
            var dataSource = RegisteredDataSource.Resolve(provider);
            var settings = provider.GetRequiredService<IOptions<ContinuationStateOptions>>();
            var logger = provider.GetService<ILogger<ContinuationService>>();
            var own = provider.GetRequiredService<LibraryDataSources>();
            return own.Owns(dataSource) ? new ContinuationService(own, settings, logger) : new ContinuationService(dataSource, settings, logger);
        });
        services.TryAddSingleton<IContinuationService>(static provider => provider.GetRequiredService<ContinuationService>());
        services.TryAddSingleton(static provider => new ContinuationStateMigrator(
            RegisteredDataSource.Resolve(provider),
            provider.GetRequiredService<IOptions<ContinuationStateOptions>>(),
            provider.GetService<ILogger<ContinuationStateMigrator>>()));
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
