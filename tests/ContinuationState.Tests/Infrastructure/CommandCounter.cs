using System.Diagnostics;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>
/// Counts the commands Npgsql sends to one database (each is one round trip), through Npgsql's ActivitySource.
/// Filtering by database keeps test classes running in parallel out of the count. The library's pooler check (a
/// <c>COPY</c> of <c>pg_backend_pid()</c>, once per physical connection, like opening it) is not an operation's
/// round trip and is left out unless asked for, as the bench's count leaves it out.
/// </summary>
internal sealed class CommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly string _database;
    private readonly List<string> _commands = [];
    private readonly bool _includePoolerCheck;

    public CommandCounter(string database, bool includePoolerCheck = false)
    {
        _database = database;
        _includePoolerCheck = includePoolerCheck;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public int Count
    {
        get
        {
            lock (_commands)
            {
                return _commands.Count;
            }
        }
    }

    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_commands)
            {
                return [.. _commands];
            }
        }
    }

    public void Reset()
    {
        lock (_commands)
        {
            _commands.Clear();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnStopped(Activity activity)
    {
        if (activity.GetTagItem("db.namespace") as string != _database || activity.GetTagItem("db.query.text") is not string sql
            || (!_includePoolerCheck && sql.StartsWith("COPY (", StringComparison.Ordinal) && sql.Contains("pg_backend_pid()", StringComparison.Ordinal)))
        {
            return;
        }

        lock (_commands)
        {
            _commands.Add(sql);
        }
    }
}
