using System.Diagnostics;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>
/// Counts the commands Npgsql sends to one database (each is one round trip), through Npgsql's ActivitySource.
/// Filtering by database keeps test classes running in parallel out of the count.
/// </summary>
internal sealed class CommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly string _database;
    private readonly List<string> _commands = [];

    public CommandCounter(string database)
    {
        _database = database;
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
        if (activity.GetTagItem("db.namespace") as string != _database || activity.GetTagItem("db.query.text") is not string sql)
        {
            return;
        }

        lock (_commands)
        {
            _commands.Add(sql);
        }
    }
}
