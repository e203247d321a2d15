using Microsoft.Extensions.Options;

namespace ContinuationState.Internal;

/// <summary>Checks <see cref="ContinuationStateMaintenanceOptions"/> at start-up, naming each bad setting.</summary>
internal sealed class ContinuationStateMaintenanceOptionsValidator : IValidateOptions<ContinuationStateMaintenanceOptions>
{
    public ValidateOptionsResult Validate(string? name, ContinuationStateMaintenanceOptions options)
    {
        var failures = new List<string>();
        if (options.Interval <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(options.Interval)} must be positive (was {options.Interval}).");
        }

        if (options.MaxJitter < TimeSpan.Zero)
        {
            failures.Add($"{nameof(options.MaxJitter)} must not be negative (was {options.MaxJitter}).");
        }

        if (options.StaleClaimGrace is { } grace && (grace < TimeSpan.Zero || grace > Guard.MaxTtl))
        {
            failures.Add($"{nameof(options.StaleClaimGrace)} must be between zero and {Guard.MaxTtl.TotalDays} days (was {grace}).");
        }

        if (options.PurgeBatchSize < 1)
        {
            failures.Add($"{nameof(options.PurgeBatchSize)} must be at least 1 (was {options.PurgeBatchSize}).");
        }

        if (options.PurgeBatchPause < TimeSpan.Zero || options.PurgeBatchPause >= options.Interval)
        {
            failures.Add($"{nameof(options.PurgeBatchPause)} must be between zero and {nameof(options.Interval)} (was {options.PurgeBatchPause}).");
        }

        if (options.MaxBatchesPerTick < 1)
        {
            failures.Add($"{nameof(options.MaxBatchesPerTick)} must be at least 1 (was {options.MaxBatchesPerTick}).");
        }

        if (options.MaxUndeliveredKeys < 0)
        {
            failures.Add($"{nameof(options.MaxUndeliveredKeys)} must not be negative (was {options.MaxUndeliveredKeys}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
