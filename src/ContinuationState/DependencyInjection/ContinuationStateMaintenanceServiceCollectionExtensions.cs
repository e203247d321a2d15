using ContinuationState;
using ContinuationState.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ContinuationState's background maintenance and health check.</summary>
public static class ContinuationStateMaintenanceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ContinuationStateMaintenanceService"/> as a hosted service (and the library itself, if
    /// <c>AddContinuationState</c> was not called). Register <see cref="IContinuationStateEvents"/> implementations to
    /// hear about purged state.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the maintenance options.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddContinuationStateMaintenance(this IServiceCollection services, Action<ContinuationStateMaintenanceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddContinuationState();
        var options = services.AddOptions<ContinuationStateMaintenanceOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ContinuationStateMaintenanceOptions>, ContinuationStateMaintenanceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Hosting.IHostedService, ContinuationStateMaintenanceService>(static provider => new ContinuationStateMaintenanceService(
            RegisteredDataSource.Resolve(provider),
            provider.GetRequiredService<IOptions<ContinuationStateOptions>>(),
            provider.GetRequiredService<IOptions<ContinuationStateMaintenanceOptions>>(),
            provider.GetServices<IContinuationStateEvents>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<Logging.ILogger<ContinuationStateMaintenanceService>>())));
        return services;
    }

    /// <summary>
    /// Adds the <see cref="ContinuationStateHealthCheck"/>: database reachable, migrations applied, and degraded when
    /// more than <paramref name="expiredBacklogThreshold"/> expired states wait for the purge.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default <c>continuationstate</c>.</param>
    /// <param name="failureStatus">Reported when unhealthy; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <param name="expiredBacklogThreshold">Expired rows beyond which the check reports degraded.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddContinuationState(
        this IHealthChecksBuilder builder,
        string name = "continuationstate",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        int expiredBacklogThreshold = 1_000)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(expiredBacklogThreshold);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new ContinuationStateHealthCheck(RegisteredDataSource.Resolve(provider), provider.GetRequiredService<IOptions<ContinuationStateOptions>>())
            {
                ExpiredBacklogThreshold = expiredBacklogThreshold,
            },
            failureStatus,
            tags));
    }
}
