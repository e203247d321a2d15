using System.Diagnostics;

namespace ContinuationState.Benchmarks;

/// <summary>
/// Counts the commands Npgsql sends (each one round trip) through its ActivitySource. Listening makes Npgsql
/// build an Activity per command, so the count is taken in untimed warm-up runs only, never while timing.
/// </summary>
internal static class RoundTripCounter
{
    private const string PoolerCheckSql = "SELECT pg_backend_pid()";

    private static long s_commands;

    public static long Commands => Interlocked.Read(ref s_commands);

    public static IDisposable Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // The library's check of a new physical connection (is a pooler in the way?) belongs to opening
                // it, like the start-up handshake, which is not counted either: once per connection, not per call.
                if (activity.GetTagItem("db.query.text") is string sql && sql != PoolerCheckSql)
                {
                    Interlocked.Increment(ref s_commands);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
