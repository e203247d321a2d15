using ContinuationState;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the workflow checkpoint store in a service collection.</summary>
public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="WorkflowCheckpointStores"/> as a singleton on ContinuationState's data source (the keyed one
    /// <see cref="ContinuationState.ContinuationStateOptions.DataSourceKey"/> names, if set) and options
    /// (calling <c>AddContinuationState()</c>, which registers them once however often it is called). Resolve it and
    /// call <see cref="WorkflowCheckpointStores.ForUser(string)"/> per user or tenant.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddContinuationStateWorkflows(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddContinuationState();
        services.TryAddSingleton(static provider => RegisteredDataSource.CreateStore(
            provider,
            static (open, options) => new WorkflowCheckpointStores(open, options),
            static (dataSource, options) => new WorkflowCheckpointStores(dataSource, options)));
        return services;
    }
}
