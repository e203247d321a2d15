using ContinuationState;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the workflow checkpoint store in a service collection.</summary>
public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="WorkflowCheckpointStores"/> as a singleton on ContinuationState's data source and options
    /// (calling <c>AddContinuationState()</c>, which registers them once however often it is called). Resolve it and
    /// call <see cref="WorkflowCheckpointStores.ForUser(string)"/> per user or tenant.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddContinuationStateWorkflows(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddContinuationState();
        services.TryAddSingleton(static provider =>
        {
            var dataSource = RegisteredDataSource.Resolve(provider);
            var options = provider.GetRequiredService<IOptions<ContinuationStateOptions>>();
            var own = provider.GetRequiredService<LibraryDataSources>();

            // As ContinuationService: when the library built the data source, statements run on its prepared one.
            return own.Owns(dataSource)
                ? new WorkflowCheckpointStores(own.OpenConnectionAsync, options)
                : new WorkflowCheckpointStores(dataSource, options);
        });
        return services;
    }
}
