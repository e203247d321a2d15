using System.Diagnostics.CodeAnalysis;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Internal;

/// <summary>
/// Runs one constant statement of a store (workflow checkpoints, agent sessions) per call: a connection from the
/// host's data source (or the library's prepared one), the configured command timeout, and the driver's failures
/// translated to <see cref="ContinuationStateTransientException"/> and <see cref="ContinuationStateTimeoutException"/>.
/// </summary>
internal sealed class StatementRunner(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, ContinuationStateOptions options)
{
    private readonly int? _commandTimeoutSeconds = CommandTimeouts.Seconds(options.CommandTimeout);

    /// <summary>Opens a connection, runs <paramref name="run"/> on a command for <paramref name="sql"/>, and closes it.</summary>
    [SuppressMessage("Security", "CA2100", Justification = "sql is one of the stores' constant statements, qualified with the validated, quoted schema; every value is a parameter.")]
    public async Task<T> RunAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlCommand, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await open(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var command = new NpgsqlCommand(sql, connection);
            await using var commandScope = command.ConfigureAwait(false);
            if (_commandTimeoutSeconds is { } seconds)
            {
                command.CommandTimeout = seconds;
            }

            bind(command.Parameters);
            return await run(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Binds a text parameter (null as SQL NULL).</summary>
    public static void Text(NpgsqlParameterCollection parameters, string name, string? value)
        => parameters.Add(new NpgsqlParameter<string?>(name, NpgsqlDbType.Text) { TypedValue = value });
}
