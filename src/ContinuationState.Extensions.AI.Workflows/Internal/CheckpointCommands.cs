using ContinuationState.Internal;
using Npgsql;

namespace ContinuationState.Extensions.AI.Workflows.Internal;

/// <summary>The checkpoint store's statements and the runner every call goes through (<see cref="StatementRunner"/>).</summary>
internal sealed class CheckpointCommands
{
    private readonly StatementRunner _runner;

    public CheckpointCommands(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, ContinuationStateOptions options)
    {
        _runner = new StatementRunner(open, options);
        Sql = WorkflowCheckpointSql.For(QualifiedNames.For(options.Schema));
    }

    public WorkflowCheckpointSql Sql { get; }

    /// <inheritdoc cref="StatementRunner.RunAsync"/>
    public Task<T> RunAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlCommand, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
        => _runner.RunAsync(sql, bind, run, cancellationToken);

    public static void Text(NpgsqlParameterCollection parameters, string name, string? value) => StatementRunner.Text(parameters, name, value);
}
