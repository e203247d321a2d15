using System.Diagnostics;

namespace ContinuationState.Benchmarks;

/// <summary>
/// Counts the commands Npgsql sends (each one round trip) through its ActivitySource. Listening makes Npgsql
/// build an Activity per command, so the count is taken in untimed warm-up runs only, never while timing.
/// </summary>
internal static class RoundTripCounter
{
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
                if (activity.GetTagItem("db.query.text") is string)
                {
                    Interlocked.Increment(ref s_commands);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
