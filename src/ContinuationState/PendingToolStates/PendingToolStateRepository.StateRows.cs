using System.Data;
using System.Diagnostics.CodeAnalysis;
using ContinuationState.Internal;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// The statements that return a stored state (load, claim, claim for a resume) run on an <see cref="NpgsqlCommand"/>
/// with typed parameters, not through Dapper's <c>ExecuteReaderAsync</c>: on the same statement, prepared the same
/// way, that call cost a claim 50 to 90 µs of client time per call (a claim of 1 KB at 0.85 of raw prepared Npgsql,
/// see docs/performance.md). The rows are read by <see cref="PendingToolStateReader"/> either way; the statements that
/// return no state keep Dapper.
/// </summary>
public sealed partial class PendingToolStateRepository
{
    /// <summary>A command for <paramref name="sql"/> keyed by the conversation and user, on this repository's connection and transaction.</summary>
    [SuppressMessage("Security", "CA2100", Justification = "sql is one of the repository's constant statements; every value is a parameter.")]
    private NpgsqlCommand StateCommand(string sql, ConversationReference conversation, string userId)
    {
        var command = new NpgsqlCommand(sql, _npgsql, _transaction);
        if (CommandTimeouts.Seconds(_options.CommandTimeout) is { } seconds)
        {
            command.CommandTimeout = seconds;
        }

        conversation.AddKeyTo(command.Parameters, userId);
        return command;
    }

    /// <summary>Runs <paramref name="command"/>, prepared first when this connection's statements run prepared (see <see cref="PreparingConnection"/>).</summary>
    private async Task<NpgsqlDataReader> ExecuteStateReaderAsync(NpgsqlCommand command, CommandBehavior behavior, CancellationToken cancellationToken)
    {
        if (_prepare)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        return await command.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);
    }
}
