using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// What the repositories hand Dapper on a connection whose statements run prepared: the host's open connection, whose
/// commands Npgsql prepares explicitly before each execution. Npgsql keeps an explicitly prepared statement with the
/// physical connection (it survives the connection's return to the pool), so only a statement's first execution on a
/// physical connection costs a round trip; later <see cref="NpgsqlCommand.PrepareAsync"/> calls find it and send
/// nothing. Dapper still builds the command, binds the parameters and maps the rows.
/// </summary>
internal sealed class PreparingConnection(NpgsqlConnection connection) : DbConnection
{
    [AllowNull]
    public override string ConnectionString
    {
        get => connection.ConnectionString;
        set => throw new NotSupportedException();
    }

    public override string Database => connection.Database;

    public override string DataSource => connection.DataSource;

    public override string ServerVersion => connection.ServerVersion;

    public override ConnectionState State => connection.State;

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

    // The service opens and disposes the connection itself; Dapper opens only a closed one, and never this.
    public override void Close() => throw new NotSupportedException();

    public override void Open() => throw new NotSupportedException();

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => throw new NotSupportedException();

    protected override DbCommand CreateDbCommand() => new PreparingCommand(connection.CreateCommand());

    /// <summary>An <see cref="NpgsqlCommand"/> that is prepared before it runs.</summary>
    private sealed class PreparingCommand(NpgsqlCommand command) : DbCommand
    {
        [AllowNull]
        public override string CommandText
        {
            get => command.CommandText;
            [SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities", Justification = "Dapper sets the repositories' constant SQL texts; nothing here builds SQL.")]
            set => command.CommandText = value;
        }

        public override int CommandTimeout
        {
            get => command.CommandTimeout;
            set => command.CommandTimeout = value;
        }

        public override CommandType CommandType
        {
            get => command.CommandType;
            set => command.CommandType = value;
        }

        public override bool DesignTimeVisible
        {
            get => command.DesignTimeVisible;
            set => command.DesignTimeVisible = value;
        }

        public override UpdateRowSource UpdatedRowSource
        {
            get => command.UpdatedRowSource;
            set => command.UpdatedRowSource = value;
        }

        protected override DbConnection? DbConnection
        {
            get => command.Connection;
            set => throw new NotSupportedException();
        }

        protected override DbParameterCollection DbParameterCollection => command.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => command.Transaction;
            set => command.Transaction = (NpgsqlTransaction?)value;
        }

        public override void Cancel() => command.Cancel();

        public override void Prepare() => command.Prepare();

        public override int ExecuteNonQuery()
        {
            command.Prepare();
            return command.ExecuteNonQuery();
        }

        public override object? ExecuteScalar()
        {
            command.Prepare();
            return command.ExecuteScalar();
        }

        public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        protected override DbParameter CreateDbParameter() => command.CreateParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
        {
            command.Prepare();
            return command.ExecuteReader(behavior);
        }

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return await command.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                command.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
