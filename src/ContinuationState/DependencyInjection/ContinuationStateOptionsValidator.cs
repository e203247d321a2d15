using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>Checks <see cref="ContinuationStateOptions"/> at start-up, naming each bad setting.</summary>
internal sealed class ContinuationStateOptionsValidator : IValidateOptions<ContinuationStateOptions>
{
    public ValidateOptionsResult Validate(string? name, ContinuationStateOptions options)
    {
        var failures = new List<string>();
        if (QualifiedNames.Check(options.Schema) is { } schemaError)
        {
            failures.Add($"{nameof(options.Schema)}: {schemaError}");
        }

        if (options.DefaultTtl <= TimeSpan.Zero || options.DefaultTtl > Guard.MaxTtl)
        {
            failures.Add($"{nameof(options.DefaultTtl)} must be positive and at most {Guard.MaxTtl.TotalDays} days (was {options.DefaultTtl}).");
        }

        if (options.StaleClaimGrace < TimeSpan.Zero || options.StaleClaimGrace > Guard.MaxTtl)
        {
            failures.Add($"{nameof(options.StaleClaimGrace)} must be between zero and {Guard.MaxTtl.TotalDays} days (was {options.StaleClaimGrace}).");
        }

        if (options.CommandTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromSeconds(int.MaxValue)))
        {
            failures.Add($"{nameof(options.CommandTimeout)} must be positive when set (was {timeout}).");
        }

        if (options.ReceiptRetention <= TimeSpan.Zero || options.ReceiptRetention > Guard.MaxTtl)
        {
            failures.Add($"{nameof(options.ReceiptRetention)} must be positive and at most {Guard.MaxTtl.TotalDays} days (was {options.ReceiptRetention}).");
        }

        if (options.MaxReceiptOutcomeBytes <= 0)
        {
            failures.Add($"{nameof(options.MaxReceiptOutcomeBytes)} must be positive (was {options.MaxReceiptOutcomeBytes}).");
        }

        if (!Enum.IsDefined(options.ConnectionPooler))
        {
            failures.Add($"{nameof(options.ConnectionPooler)} must be one of {string.Join(", ", Enum.GetNames<ConnectionPooler>())} (was {(int)options.ConnectionPooler}).");
        }
        else if (options.ConnectionPooler == ConnectionPooler.Transaction && AutoPrepares(options.ConnectionString))
        {
            failures.Add($"{nameof(options.ConnectionPooler)} is {nameof(ConnectionPooler.Transaction)}, but {nameof(options.ConnectionString)} sets Max Auto Prepare: prepared statements do not survive transaction pooling; remove one of the two.");
        }

        if (options.Json is null)
        {
            failures.Add($"{nameof(options.Json)} must not be null.");
        }
        else
        {
            if (options.Json.MaxBytes <= 0)
            {
                failures.Add($"{nameof(options.Json)}.{nameof(options.Json.MaxBytes)} must be positive (was {options.Json.MaxBytes}).");
            }

            if (options.Json.MaxDepth < 1)
            {
                failures.Add($"{nameof(options.Json)}.{nameof(options.Json.MaxDepth)} must be at least 1 (was {options.Json.MaxDepth}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // A malformed connection string is Npgsql's to report, with its own message, when the data source is built.
    private static bool AutoPrepares(string? connectionString)
    {
        try
        {
            return !string.IsNullOrWhiteSpace(connectionString) && new NpgsqlConnectionStringBuilder(connectionString).MaxAutoPrepare > 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return false;
        }
    }
}
