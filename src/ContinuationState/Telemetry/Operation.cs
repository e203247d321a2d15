using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ContinuationState.Internal;

/// <summary>
/// One operation's telemetry: an activity (when sampled), its counter by outcome, and its duration. Dispose records;
/// the outcome defaults to "error" so an exception that escapes is counted as one.
/// </summary>
internal sealed class Operation : IDisposable
{
    private readonly string _name;
    private readonly string _idKind;
    private readonly Counter<long>? _counter;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Activity? _activity;
    private string _outcome = "error";
    private long _count = 1;

    private Operation(string name, string idKind, Counter<long>? counter)
    {
        _name = name;
        _idKind = idKind;
        _counter = counter;
        _activity = Telemetry.ActivitySource.StartActivity($"{name} pending_tool_state", ActivityKind.Client);
        if (_activity is { IsAllDataRequested: true })
        {
            _activity.SetTag("db.system.name", "postgresql");
            _activity.SetTag("db.operation.name", name);
            _activity.SetTag("db.collection.name", "pending_tool_state");
            _activity.SetTag("continuationstate.conversation_id.kind", idKind);
        }
    }

    public static Operation Start(string name, ConversationIdKind? kind, Counter<long>? counter) => new(name, kind switch
    {
        ConversationIdKind.Uuid => "uuid",
        ConversationIdKind.Legacy => "legacy",
        ConversationIdKind.Invalid => "invalid",
        _ => "none",
    }, counter);

    /// <summary>Sets the outcome; <paramref name="count"/> is how much the counter moves (rows, for purge and revert).</summary>
    public void Complete(string outcome, long count = 1)
    {
        _outcome = outcome;
        _count = count;
    }

    public void Fail(Exception exception)
    {
        _outcome = "error";
        if (_activity is not null)
        {
            _activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            _activity.SetTag("error.type", exception.GetType().FullName);
        }
    }

    public void Dispose()
    {
        // Instruments nobody listens to are skipped: the hot path pays for telemetry only when it is collected.
        if (Telemetry.OperationDuration.Enabled)
        {
            var tags = new TagList
            {
                { "db.system.name", "postgresql" },
                { "db.operation.name", _name },
                { "continuationstate.conversation_id.kind", _idKind },
                { "continuationstate.outcome", _outcome },
            };
            Telemetry.OperationDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
        }

        if (_counter is { Enabled: true } && _outcome != "error" && _count > 0)
        {
            _counter.Add(_count, new KeyValuePair<string, object?>("continuationstate.outcome", _outcome));
        }

        if (_activity is not null)
        {
            _activity.SetTag("continuationstate.outcome", _outcome);
            _activity.Dispose();
        }
    }
}
