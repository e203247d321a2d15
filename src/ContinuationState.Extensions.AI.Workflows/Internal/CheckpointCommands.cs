using System.Diagnostics.CodeAnalysis;
using ContinuationState.Internal;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Extensions.AI.Workflows.Internal;

/// <summary>
/// Runs the store's statements: a connection per call from the host's data source (or the library's prepared one),
/// the configured command timeout on every statement, and the driver's failures translated to the library's
/// <see cref="ContinuationStateTransientException"/> and <see cref="ContinuationStateTimeoutException"/>.
/// </summary>
internal sealed class CheckpointCommands
{
    private readonly Func<CancellationToken, ValueTask<NpgsqlConnection>> _open;
    private readonly int? _commandTimeoutSeconds;

    public CheckpointCommands(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, ContinuationStateOptions options)
    {
        _open = open;
        _commandTimeoutSeconds = CommandTimeouts.Seconds(options.CommandTimeout);
        Sql = WorkflowCheckpointSql.For(QualifiedNames.For(options.Schema));
    }

    public WorkflowCheckpointSql Sql { get; }

    /// <summary>Opens a connection, runs <paramref name="run"/> on a command for <paramref name="sql"/>, and closes it.</summary>
    [SuppressMessage("Security", "CA2100", Justification = "sql is one of WorkflowCheckpointSql's constant statements, qualified with the validated, quoted schema; every value is a parameter.")]
    public async Task<T> RunAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlCommand, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _open(cancellationToken).ConfigureAwait(false);
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

    public static void Text(NpgsqlParameterCollection parameters, string name, string? value)
        => parameters.Add(new NpgsqlParameter<string?>(name, NpgsqlDbType.Text) { TypedValue = value });
}
