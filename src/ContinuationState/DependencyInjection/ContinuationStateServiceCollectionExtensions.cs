using ContinuationState;
using ContinuationState.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ContinuationState in a service collection.</summary>
public static class ContinuationStateServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IContinuationService"/>, <see cref="ContinuationService"/>,
    /// <see cref="ContinuationStateMigrator"/> and validated <see cref="ContinuationStateOptions"/> as singletons. An
    /// <see cref="NpgsqlDataSource"/> already registered is reused; otherwise one is built from
    /// <see cref="ContinuationStateOptions.ConnectionString"/>. Options are validated at start-up.
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

        services.TryAddSingleton(static provider =>
        {
            var connectionString = provider.GetRequiredService<IOptions<ContinuationStateOptions>>().Value.ConnectionString;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    "ContinuationState needs a database: register an NpgsqlDataSource, or set ContinuationStateOptions.ConnectionString in AddContinuationState.");
            }

            return NpgsqlDataSource.Create(connectionString);
        });
        services.TryAddSingleton<ContinuationService>();
        services.TryAddSingleton<IContinuationService>(static provider => provider.GetRequiredService<ContinuationService>());
        services.TryAddSingleton<ContinuationStateMigrator>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
